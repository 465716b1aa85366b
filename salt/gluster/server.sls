{#- gluster.server: packages, glusterd.vol settings and the glusterd service.
    gluster:server:manage_packages / manage_service switch those parts off (containers, tests). -#}
{%- from "gluster/map.jinja" import lookup, model with context %}
{%- set server = model.server %}
{%- if model.tls %}
include:
  - gluster.tls
{%- endif %}
{%- if server.manage_packages %}
gluster-server-packages:
  pkg.installed:
    - pkgs: {{ lookup.server_pkgs | json }}
{%- endif %}
{%- if server.glusterd_options %}
gluster-glusterd-vol:
  file.managed:
    - name: {{ lookup.glusterd_vol | json }}
    - makedirs: true
    - source: salt://gluster/files/glusterd.vol.jinja
    - template: jinja
    - context:
        working_directory: {{ lookup.working_directory | json }}
        options: {{ server.glusterd_options | json }}
    {%- if server.manage_packages %}
    - require:
      - pkg: gluster-server-packages
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
    {%- if server.glusterd_options or (model.tls and model.tls.management is not none) %}
    - watch:
      {%- if server.glusterd_options %}
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
