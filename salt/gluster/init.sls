{#- gluster: everything this minion's role needs, from the gluster pillar.
    Nodes (gluster:nodes) get bricks, server, peers and volumes (cluster-wide steps run on the
    leader only), and firewall when gluster:firewall:manage is true; clients (gluster:clients)
    get their FUSE mounts; a secondary cluster's nodes (gluster:geo_replication_from) get the
    primaries' geo-replication keys. -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import model with context %}
{%- set parts = [] %}
{%- if model.tls and (model.minion.is_node or model.minion.is_client) %}
{%-   do parts.append(tplroot ~ '.tls') %}
{%- endif %}
{%- if model.minion.is_node %}
{#-   the brick directories (and filesystems) before glusterd runs: once glusterd answers, the
      leader may create the volume, and a create that finds one node's brick directory missing
      leaves gluster's volume mark on the other nodes' bricks ("already part of a volume") #}
{%-   do parts.extend([tplroot ~ '.bricks', tplroot ~ '.server', tplroot ~ '.peers', tplroot ~ '.volumes']) %}
{%-   if model.firewall.manage %}{% do parts.append(tplroot ~ '.firewall') %}{% endif %}
{%- endif %}
{%- if model.minion.is_client %}
{%-   do parts.append(tplroot ~ '.client') %}
{%- endif %}
{%- if model.minion.is_node and model.monitoring %}
{%-   do parts.append(tplroot ~ '.monitoring') %}
{%- endif %}
{%- if model.georep_from %}
{%-   do parts.append(tplroot ~ '.georep_keys') %}
{%- endif %}
{%- if parts %}
include: {{ parts | json }}
{%- else %}
gluster-nothing-to-do:
  test.nop:
    - name: "{{ grains['id'] }} is neither a node (gluster:nodes) nor a client (gluster:clients)"
{%- endif %}
