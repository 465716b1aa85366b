{#- gluster.repo: where the GlusterFS packages come from (gluster:repo) and which version of
    them (gluster:version), for gluster.server and gluster.client. Without either key this is
    empty: the distribution's own repositories, the newest version they have.
    Debian: an apt sources file (signed by gluster:repo:key_url, or trusted) and an apt
    preferences pin on every binary package of the glusterfs source. RedHat: a yum repository
    (not tried here: the tests run on Debian). -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import model, pin_version with context %}
{%- set repo = model.repo %}
{%- set debian = grains['os_family'] == 'Debian' %}
{%- set requires = [] %}
{%- if repo %}
{%-   if debian %}
{%-     set opts = ['trusted=yes'] if repo.trusted else (['signed-by=' ~ repo.signed_by] if repo.key_url else []) %}
{%-     set words = ['deb'] + (['[' ~ opts | join(' ') ~ ']'] if opts else []) + [repo.url, repo.suite or grains['oscodename']] + repo.components %}

gluster-repo:
  pkgrepo.managed:
    - name: {{ words | join(' ') | json }}
    - file: {{ repo.file | json }}
    {%- if repo.key_url %}
    - key_url: {{ repo.key_url | json }}
    - aptkey: false
    {%- endif %}
{%-   else %}

gluster-repo:
  pkgrepo.managed:
    - name: glusterfs
    - humanname: GlusterFS
    - baseurl: {{ repo.url | json }}
    - gpgcheck: {{ 1 if repo.key_url else 0 }}
    {%- if repo.key_url %}
    - gpgkey: {{ repo.key_url | json }}
    {%- endif %}
{%-   endif %}
{%-   do requires.append({'pkgrepo': 'gluster-repo'}) %}
{%- endif %}
{%- if model.version and debian %}

{#- every binary package built from the glusterfs source, so that an upgrade or a pinned
    install never mixes versions (glusterfs-server needs glusterfs-common of its own version) #}
gluster-version-pin:
  file.managed:
    - name: /etc/apt/preferences.d/glusterfs
    - mode: '0644'
    - contents: |
        # managed by Salt (gluster:version)
        Package: src:glusterfs
        Pin: version {{ pin_version }}
        Pin-Priority: 1001
{%-   do requires.append({'file': 'gluster-version-pin'}) %}
{%- endif %}

gluster-repo-ready:
  test.nop:
    - require: {{ requires | json }}
