{#- gluster.server: packages, glusterd.vol settings and the glusterd service.
    gluster:server:manage_packages / manage_service switch those parts off (containers, tests). -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import lookup, model, packages, version_held, installed_version with context %}
{%- set server = model.server %}
{#- glusterd.vol: managed when the pillar sets options, or when the formula runs glusterd
    (manage_service): then its defaults hold too (transport.tcp-user-timeout, so that a
    peer that vanishes silently is dropped in 30 s instead of hanging commands for minutes) #}
{%- set manage_vol = server.glusterd_options or server.manage_service %}
{%- set with_repo = server.manage_packages and (model.repo or model.version) %}
{%- if model.tls or with_repo %}
include:
  {%- if model.tls %}
  - {{ tplroot }}.tls
  {%- endif %}
  {%- if with_repo %}
  - {{ tplroot }}.repo
  {%- endif %}
{%- endif %}
{%- if server.manage_packages %}
gluster-server-packages:
  pkg.installed:
    - pkgs: {{ packages(lookup.server_pkgs) }}
    {%- if with_repo %}
    - require:
      - test: gluster-repo-ready
    {%- endif %}
{%-   if version_held %}

gluster-server-version-held:
  test.show_notification:
    - text: {{ ("glusterfs " ~ installed_version ~ " is installed and gluster:version is " ~ model.version ~ ": the packages stay as they are; upgrade one node at a time with: salt-run state.orchestrate " ~ tplroot ~ ".orch.rolling pillar='{\"gluster_upgrade\": true}'") | json }}
{%-   endif %}
{%- endif %}
{%- if manage_vol %}
gluster-glusterd-vol:
  file.managed:
    - name: {{ lookup.glusterd_vol | json }}
    - makedirs: true
    {#- the first that exists wins: a template of your own for this minion, for its OS family,
        or the formula's (README: the formula and the pillar, overriding its templates) #}
    - source:
      - salt://{{ tplroot }}/files/{{ grains['id'] }}/glusterd.vol.jinja
      - salt://{{ tplroot }}/files/{{ grains['os_family'] }}/glusterd.vol.jinja
      - salt://{{ tplroot }}/files/default/glusterd.vol.jinja
    - template: jinja
    - context:
        working_directory: {{ lookup.working_directory | json }}
        options: {{ server.glusterd_options | json }}
    {%- if server.manage_packages %}
    - require:
      - pkg: gluster-server-packages
    {%- endif %}
{%- endif %}
{%- set mb = model.mountbroker %}
{%- if mb %}
{#- gluster:mountbroker: what `gluster-mountbroker setup` and `add` do on every node (the
    glusterd.vol options come through server.glusterd_options), for non-root geo-replication
    sessions ending here. glusterd reads them when it (re)starts. #}
{%-   if mb.manage_users %}

gluster-mountbroker-group:
  group.present:
    - name: {{ mb.group | json }}
{%-     for user in mb.users %}

gluster-mountbroker-user-{{ user }}:
  user.present:
    - name: {{ user | json }}
    - groups: [{{ mb.group | json }}]
    - shell: /bin/bash
    - createhome: true
    - require:
      - group: gluster-mountbroker-group
{%-     endfor %}
{%-   endif %}

gluster-mountbroker-root:
  file.directory:
    - name: {{ mb.root | json }}
    - user: root
    - group: root
    - mode: '0711'          {#- glusterd refuses a root whose ancestors are group/other writable #}
    - makedirs: true

{#- the users' gsyncd reads the geo-replication directory and writes its logs and the CLI's #}
gluster-mountbroker-dir-1:
  file.directory:
    - name: {{ salt['config.get']('gluster:georep_dir', lookup.working_directory ~ '/geo-replication') | json }}
    - group: {{ mb.group | json }}
    - dir_mode: '0770'
    - recurse: [group]
    - makedirs: true
    {%- if mb.manage_users %}
    - require:
      - group: gluster-mountbroker-group
    {%- endif %}

gluster-mountbroker-dir-2:
  file.directory:
    - name: {{ (lookup.log_dir ~ '/geo-replication-secondaries') | json }}
    - group: {{ mb.group | json }}
    - dir_mode: '0770'
    - file_mode: '0660'
    - recurse: [group, mode]
    - makedirs: true
    {%- if mb.manage_users %}
    - require:
      - group: gluster-mountbroker-group
    {%- endif %}

gluster-mountbroker-cli-log:
  file.managed:
    - name: {{ (lookup.log_dir ~ '/cli.log') | json }}
    - replace: false
    - group: {{ mb.group | json }}
    - mode: '0660'
    {%- if mb.manage_users %}
    - require:
      - group: gluster-mountbroker-group
    {%- endif %}
{%- endif %}
{%- if server.manage_service %}
gluster-glusterd-service:
  service.running:
    - name: {{ lookup.service }}
    - enable: true
    {%- if server.manage_packages or model.tls %}
    - require:
      {%- if server.manage_packages %}
      - pkg: gluster-server-packages
      {%- endif %}
      {%- if model.tls %}
      - test: gluster-tls-ready
      {%- endif %}
    {%- endif %}
    {%- if manage_vol or (model.tls and model.tls.management is not none) %}
    - watch:
      {%- if manage_vol %}
      - file: gluster-glusterd-vol
      {%- endif %}
      {%- if model.tls and model.tls.management is not none %}
      - file: gluster-tls-secure-access     {#- management TLS is read at glusterd's start #}
      {%- endif %}
    {%- endif %}
{%- endif %}

{#- what later gluster states require, whichever of the above are switched on #}
gluster-server-ready:
  test.nop:
    - require:
    {%- if server.manage_packages %}
      - pkg: gluster-server-packages
    {%- endif %}
    {%- if server.manage_service %}
      - service: gluster-glusterd-service
    {%- endif %}
      - test: gluster-server-ready-anchor
    {%- if model.tls %}
      - test: gluster-tls-ready
    {%- endif %}

gluster-server-ready-anchor:
  test.nop: []
