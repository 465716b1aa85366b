{#- gluster.firewall: this node's firewall accepts what GlusterFS needs -- glusterd's ports
    (24007-24008/tcp) and the brick port range (glusterd.vol base-port..max-port, or
    gluster:firewall:brick_ports, which also sets them) -- from gluster:firewall:sources or from
    anywhere. Uses firewalld when it is running, else ufw when it is active (or the one named by
    gluster:firewall:tool); a host with neither is left alone. Included by `gluster` on nodes
    when gluster:firewall:manage is true; ordered before glusterd is treated as ready, so peers
    can reach it. -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import model with context %}
{%- set firewall = model.firewall %}
include:
  - {{ tplroot }}.server

gluster-firewall:
  gluster_firewall.ports_open:
    - name: glusterfs
    - ports: {{ firewall.ports | json }}
    - tool: {{ firewall.tool | json }}
    {%- if firewall.zone %}
    - zone: {{ firewall.zone | json }}
    {%- endif %}
    {%- if firewall.sources %}
    - sources: {{ firewall.sources | json }}
    {%- endif %}
    - require_in:
      - test: gluster-server-ready
