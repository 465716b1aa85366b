{#- gluster.peers: the trusted pool. Only the leader probes (concurrent probes from several
    nodes can split a pool); every other node waits, bounded by gluster:peer_timeout, until the
    leader has added it (gluster:members_wait: false turns that wait off, e.g. for masterless
    runs in any order). -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import model with context %}
include:
  - {{ tplroot }}.server
{%- if model.minion.is_leader %}
{%-   for minion_id, address in model.nodes.items() if minion_id != model.minion.id %}

gluster-peer-{{ minion_id }}:
  gluster.peered:
    - name: {{ address | json }}
    - probe: true
    - timeout: {{ model.peer_timeout }}
    - require:
      - test: gluster-server-ready
{%-   endfor %}
{%- elif model.minion.is_node and model.members_wait %}

gluster-peer-{{ model.leader }}:
  gluster.peered:
    - name: {{ model.leader_address | json }}
    - probe: false
    - timeout: {{ model.peer_timeout }}
    - require:
      - test: gluster-server-ready
{%- endif %}

gluster-peers-ready:
  test.nop:
    - require:
      - test: gluster-server-ready
{%- if model.minion.is_leader %}
{%-   for minion_id in model.nodes if minion_id != model.minion.id %}
      - gluster: gluster-peer-{{ minion_id }}
{%-   endfor %}
{%- endif %}
