{#- gluster.orch.deploy: one ordered pass over the whole cluster.
      salt-run state.orchestrate gluster.orch.deploy
    server (and firewall, with gluster:firewall:manage) on every node -> peers on the leader ->
    bricks on every node -> volumes on the leader -> clients. Targets come from the gluster
    pillar (pillar of the master's view: pass pillar='{...}' or set the pillar for the master's
    minion id). Before each step the targets wait (gluster.state_runs_wait, up to 900 s) for
    a state run already going there, such as a highstate: Salt refuses a second one. -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- set gluster = salt['pillar.get']('gluster', {}) %}
{%- set nodes = gluster.get('nodes', {}) | list %}
{%- set leader = gluster.get('leader', nodes[0] if nodes else None) %}
{%- set clients = gluster.get('clients', {}) | list %}
{%- set firewall = gluster.get('firewall') if gluster.get('firewall') is mapping else {} %}

{%- macro wait_free(step, targets, after=None) %}

gluster-orch-{{ step }}-wait:
  salt.function:
    - name: gluster.state_runs_wait
    - tgt: {{ targets | json }}
    - tgt_type: list
    - kwarg: {timeout: 900}
    {%- if after %}
    - require:
      - salt: gluster-orch-{{ after }}
    {%- endif %}
{%- endmacro %}
{{ wait_free('server', nodes) }}

gluster-orch-server:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: {{ ([tplroot ~ '.server', tplroot ~ '.firewall'] if firewall.get('manage') is sameas true else [tplroot ~ '.server']) | json }}
    - require:
      - salt: gluster-orch-server-wait
{{ wait_free('peers', [leader], 'server') }}

gluster-orch-peers:
  salt.state:
    - tgt: {{ leader | json }}
    - sls: {{ tplroot }}.peers
    - require:
      - salt: gluster-orch-peers-wait
{{ wait_free('bricks', nodes, 'peers') }}

gluster-orch-bricks:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: {{ tplroot }}.bricks
    - require:
      - salt: gluster-orch-bricks-wait
{{ wait_free('volumes', [leader], 'bricks') }}

gluster-orch-volumes:
  salt.state:
    - tgt: {{ leader | json }}
    - sls: {{ tplroot }}.volumes
    - require:
      - salt: gluster-orch-volumes-wait
{%- if clients %}
{{ wait_free('clients', clients, 'volumes') }}

gluster-orch-clients:
  salt.state:
    - tgt: {{ clients | json }}
    - tgt_type: list
    - sls: {{ tplroot }}.client
    - require:
      - salt: gluster-orch-clients-wait
{%- endif %}
