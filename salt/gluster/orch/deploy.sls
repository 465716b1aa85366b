{#- gluster.orch.deploy: one ordered pass over the whole cluster.
      salt-run state.orchestrate gluster.orch.deploy
    server on every node -> peers on the leader -> bricks on every node -> volumes on the
    leader -> clients. Targets come from the gluster pillar (pillar of the master's view:
    pass pillar='{...}' or set the pillar for the master's minion id). -#}
{%- set gluster = salt['pillar.get']('gluster', {}) %}
{%- set nodes = gluster.get('nodes', {}) | list %}
{%- set leader = gluster.get('leader', nodes[0] if nodes else None) %}
{%- set clients = gluster.get('clients', {}) | list %}

gluster-orch-server:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: gluster.server

gluster-orch-peers:
  salt.state:
    - tgt: {{ leader | json }}
    - sls: gluster.peers
    - require:
      - salt: gluster-orch-server

gluster-orch-bricks:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: gluster.bricks
    - require:
      - salt: gluster-orch-peers

gluster-orch-volumes:
  salt.state:
    - tgt: {{ leader | json }}
    - sls: gluster.volumes
    - require:
      - salt: gluster-orch-bricks
{%- if clients %}

gluster-orch-clients:
  salt.state:
    - tgt: {{ clients | json }}
    - tgt_type: list
    - sls: gluster.client
    - require:
      - salt: gluster-orch-volumes
{%- endif %}
