{#- gluster.orch.rolling: restart (or upgrade) gluster one node at a time.
      salt-run state.orchestrate gluster.orch.rolling
      salt-run state.orchestrate gluster.orch.rolling pillar='{"gluster_upgrade": true}'
    For each node in gluster:nodes order: gluster.maintenance on that node (stop, [upgrade],
    start), then gluster.healed on the leader (it waits for glusterd to answer again when the
    leader itself was just restarted) -- every volume healed before the next node is touched.
    A step that fails stops the run there: no second node goes down. First every node waits
    (gluster.state_runs_wait, up to 900 s) for a state run already going there, such as a
    highstate: Salt refuses a second one. Then the leader checks the cluster as gluster
    reports it (gluster.volumes_healthy: every brick of every started volume online, nothing
    waiting for self-heal or in split-brain): a degraded cluster stops the run before any node
    is touched, naming the brick down or the count pending. With gluster_upgrade, once the
    last node has healed, gluster.op_version on the leader raises the cluster's op-version to
    gluster:op_version (max when not set): only then does every node run the new version. -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- set gluster = salt['pillar.get']('gluster', {}) %}
{%- set nodes = gluster.get('nodes', {}) | list %}
{%- set leader = gluster.get('leader', nodes[0] if nodes else None) %}
{%- set upgrade = salt['pillar.get']('gluster_upgrade', False) %}

gluster-rolling-wait:
  salt.function:
    - name: gluster.state_runs_wait
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - kwarg: {timeout: 900}
    - failhard: true

gluster-rolling-healthy:
  salt.function:
    - name: gluster.volumes_healthy
    - tgt: {{ leader | json }}
    - failhard: true
    - require:
      - salt: gluster-rolling-wait
{%- for node in nodes %}

gluster-rolling-{{ node }}:
  salt.state:
    - tgt: {{ node | json }}
    - sls: {{ tplroot }}.maintenance
    - pillar: {{ {'gluster_upgrade': upgrade} | json }}
    - failhard: true
    - require:
      - salt: {{ 'gluster-rolling-healthy' if loop.first else 'gluster-rolling-' ~ loop.previtem ~ '-healed' }}

gluster-rolling-{{ node }}-healed:
  salt.state:
    - tgt: {{ leader | json }}
    - sls: {{ tplroot }}.healed
    - require:
      - salt: gluster-rolling-{{ node }}
{%- endfor %}
{%- if upgrade and nodes %}

gluster-rolling-op-version:
  salt.state:
    - tgt: {{ leader | json }}
    - sls: {{ tplroot }}.op_version
    - failhard: true
    - require:
      - salt: gluster-rolling-{{ nodes | last }}-healed
{%- endif %}
