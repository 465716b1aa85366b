{#- gluster.tls: this minion's TLS files from gluster:tls, where its glusterfs reads them
    (lookup ssl_dir: /usr/lib/ssl on Debian, /etc/ssl elsewhere): glusterfs.ca (the CA),
    glusterfs.pem (its certificate), glusterfs.key (its key, mode 0600), and with
    gluster:tls:management the file that turns TLS on for glusterd's own connections
    (secure-access; true writes it, false removes it, not given leaves it alone). Nodes and
    clients alike; their glusterd and mounts require these. A volume uses TLS by its own
    gluster:volumes:<name>:tls. -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import lookup, model with context %}
{%- set tls = model.tls or {} %}
{%- set ids = [] %}
{%- for key, filename, mode in [('ca', 'glusterfs.ca', '0644'), ('certificate', 'glusterfs.pem', '0644'),
                               ('key', 'glusterfs.key', '0600')] if tls[key] %}
{%-   do ids.append('gluster-tls-' ~ key) %}

gluster-tls-{{ key }}:
  file.managed:
    - name: {{ (lookup.ssl_dir ~ '/' ~ filename) | json }}
    - contents: {{ tls[key] | json }}
    - mode: '{{ mode }}'
    - user: root
    - group: root
    - makedirs: true
    {%- if key == 'key' %}
    - show_changes: false
    {%- endif %}
{%- endfor %}
{%- if tls.management is not none %}
{%-   do ids.append('gluster-tls-secure-access') %}

gluster-tls-secure-access:
  {%- if tls.management %}
  file.managed:
    - name: {{ (lookup.working_directory ~ '/secure-access') | json }}
    - contents: ''
    - mode: '0644'
    - makedirs: true
  {%- else %}
  file.absent:
    - name: {{ (lookup.working_directory ~ '/secure-access') | json }}
  {%- endif %}
{%- endif %}

gluster-tls-ready:
{%- if ids %}
  test.nop:
    - require:
{%-   for id in ids %}
      - file: {{ id }}
{%-   endfor %}
{%- else %}
  test.nop: []
{%- endif %}
