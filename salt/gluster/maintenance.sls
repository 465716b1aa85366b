{#- gluster.maintenance: stop gluster on THIS node, optionally upgrade it, start it again.
    Run by gluster.orch.rolling one node at a time, never on its own across the cluster.
    The commands are argv lists from gluster:maintenance (stop_commands, start_commands: run
    through cmd.run_all with python_shell false, never a shell, each killed after
    gluster:maintenance:command_timeout seconds, default 300); pillar gluster_upgrade: true also
    upgrades the server packages in between. -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import lookup, model, packages with context %}
{%- set maintenance = model.maintenance %}
{%- set upgrade = salt['pillar.get']('gluster_upgrade', False) %}
{%- if upgrade and (model.repo or model.version) %}
include:
  - {{ tplroot }}.repo
{%- endif %}
{%- for argv in maintenance.stop_commands %}

gluster-maintenance-stop-{{ loop.index }}:
  module.run:
    - cmd.run_all:
      - cmd: {{ argv | json }}
      - python_shell: false
      - timeout: {{ maintenance.command_timeout | int }}
      - success_retcodes: [1]   {#- pkill: 1 = nothing left to stop #}
    {%- if not loop.first %}
    - require:
      - module: gluster-maintenance-stop-{{ loop.index - 1 }}
    {%- endif %}
{%- endfor %}
{%- if salt['pillar.get']('gluster_upgrade', False) %}

{#- gluster:version: exactly that version (the pin moves with it); otherwise the newest #}
gluster-maintenance-upgrade:
  pkg.{{ 'installed' if model.version else 'latest' }}:
    - pkgs: {{ packages(lookup.server_pkgs) }}
    - require:
      - module: gluster-maintenance-stop-{{ maintenance.stop_commands | length }}
      {%- if model.repo or model.version %}
      - test: gluster-repo-ready
      {%- endif %}
{%- endif %}
{%- for argv in maintenance.start_commands %}

gluster-maintenance-start-{{ loop.index }}:
  module.run:
    - cmd.run_all:
      - cmd: {{ argv | json }}
      - python_shell: false
      - timeout: {{ maintenance.command_timeout | int }}
    - require:
    {%- if loop.first %}
      - module: gluster-maintenance-stop-{{ maintenance.stop_commands | length }}
      {%- if salt['pillar.get']('gluster_upgrade', False) %}
      - pkg: gluster-maintenance-upgrade
      {%- endif %}
    {%- else %}
      - module: gluster-maintenance-start-{{ loop.index - 1 }}
    {%- endif %}
{%- endfor %}
