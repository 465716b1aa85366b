{#- gluster.volumes: volumes, their options and started state -- on the leader only; the leader
    waits (bounded by gluster:peer_timeout) for the other brick hosts to be connected peers.
    Each volume requires only the peer states of its own brick hosts, so one node that stays
    down fails the volumes on it and nothing else. -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import model with context %}
include:
  - {{ tplroot }}.peers
  - {{ tplroot }}.bricks
{%- if model.minion.is_leader %}
{%-   if model.op_version %}

gluster-op-version:
  gluster.op_version:
    - name: {{ model.op_version | json }}
    - require:
      - test: gluster-peers-ready
{%-   endif %}
{%-   if model.cluster_options %}

{#- before any volume is created or started (Salt runs states in the order written): with
    cluster.brick-multiplex the new volumes' bricks then start in shared processes. The volumes
    do not require it, so that one node down fails only the volumes on it (this needs them all) #}
gluster-cluster-options:
  gluster.cluster_options:
    - options: {{ model.cluster_options | json }}
    - require:
      - test: gluster-peers-ready
{%-   endif %}
{%-   if model.snapshots %}

gluster-snapshot-config:
  gluster.snapshot_config:
    - name: all
{%-     for key, value in model.snapshots | dictsort %}
    - {{ key }}: {{ value | json }}
{%-     endfor %}
    - require:
      - test: gluster-peers-ready
{%-   endif %}
{#- each volume's state arguments, built once: its states below and gluster.volumes_converged
    (which runs them ahead, gluster:volume_workers volumes at a time, and whose returns the
    states claim only when called with exactly these arguments) both take them from here -#}
{%-   set present = {} %}
{%-   for name, volume in model.volumes | dictsort if volume.ensure != 'absent' %}
{%-     set hosts = [] %}
{%-     for brick in volume.bricks %}
{%-       set host = brick.rsplit(':', 1)[0] %}
{%-       if host != model.minion.address and host not in hosts %}{% do hosts.append(host) %}{% endif %}
{%-     endfor %}
{%-     set mounts = {} %}
{%-     for brick in volume.bricks if brick in model.minion.brick_mounts %}
{%-       do mounts.update({brick: model.minion.brick_mounts[brick]}) %}
{%-     endfor %}
{%-     set layout = {'bricks': volume.bricks, 'transport': volume.transport, 'force': volume.force,
                      'wait_for_peers': hosts, 'peer_timeout': model.peer_timeout,
                      'allow_shrink': volume.allow_shrink, 'allow_replace': volume.allow_replace,
                      'rebalance': volume.rebalance, 'rebalance_timeout': volume.rebalance_timeout,
                      'heal_timeout': volume.heal_timeout, 'migration_timeout': volume.migration_timeout} %}
{%-     for key in ['replica', 'arbiter', 'disperse', 'redundancy'] if volume[key] %}
{%-       do layout.update({key: volume[key]}) %}
{%-     endfor %}
{%-     if mounts %}{% do layout.update({'brick_mounts': mounts}) %}{% endif %}
{%-     set options = {'options': volume.options, 'reset_unmanaged': volume.reset_unmanaged} %}
{%-     if volume.profiles %}{% do options.update({'profiles': volume.profiles}) %}{% endif %}
{%-     if volume.restart %}{% do options.update({'restart': true}) %}{% endif %}
{%-     set run = {} %}
{%-     if mounts and volume.started %}{% do run.update({'brick_mounts': mounts}) %}{% endif %}
{%-     do present.update({name: {'hosts': hosts, 'steps': {'present': layout, 'options': options,
                                   ('started' if volume.started else 'stopped'): run}}}) %}
{%-   endfor %}
{%-   if model.volume_workers > 1 and present | length > 1 %}

{#- the volumes' states below, run ahead several volumes at a time (glusterd locks per volume);
    each state then reports its own return. Volumes whose peers are not connected yet are left
    to their own states, so that one node down still fails only the volumes on it #}
gluster-volumes-converged:
  gluster.volumes_converged:
    - workers: {{ model.volume_workers }}
    {%- set steps = {} %}
    {%- for name, item in present | dictsort %}{% do steps.update({name: item.steps}) %}{% endfor %}
    - volumes: {{ steps | json }}
    - require:
      - test: gluster-server-ready
      - test: gluster-bricks-ready
{%-   endif %}
{#- all creations first, then all options, then all starts: a volume's info, stale after its
    creation, is then read once for all the volumes created (one ``volume info``), not once each #}
{%-   for name, volume in model.volumes | dictsort %}
{%-     if volume.ensure == 'absent' %}

gluster-volume-{{ name }}-absent:
  gluster.volume_absent:
    - name: {{ name | json }}
    - require:
      - test: gluster-peers-ready
{%-     else %}
{%-       set hosts = present[name].hosts %}

gluster-volume-{{ name }}:
  gluster.volume_present:
    - name: {{ name | json }}
    {%- for key, value in present[name].steps.present | dictsort %}
    - {{ key }}: {{ value | json }}
    {%- endfor %}
    {#- only the peers this volume has bricks on: a disconnected node fails its own peer
        state (bounded by peer_timeout) and the volumes on it, not the volumes elsewhere #}
    {%- set known = model.nodes.values() | list %}
    - require:
      - test: gluster-server-ready
      - test: gluster-bricks-ready
    {%- for peer_id, address in model.nodes | dictsort if address in hosts %}
      - gluster: gluster-peer-{{ peer_id }}
    {%- endfor %}
    {%- if hosts | reject('in', known) | list %}
      - test: gluster-peers-ready
    {%- endif %}
{%-     endif %}
{%-   endfor %}
{%-   for name, volume in model.volumes | dictsort if volume.ensure != 'absent' %}

gluster-volume-{{ name }}-options:
  gluster.volume_options:
    - name: {{ name | json }}
    {%- for key, value in present[name].steps.options | dictsort %}
    - {{ key }}: {{ value | json }}
    {%- endfor %}
    - require:
      - gluster: gluster-volume-{{ name }}
{%-   endfor %}
{%-   for name, volume in model.volumes | dictsort if volume.ensure != 'absent' %}
{%-     set word = 'started' if volume.started else 'stopped' %}

gluster-volume-{{ name }}-{{ word }}:
  gluster.volume_{{ word }}:
    - name: {{ name | json }}
    {%- for key, value in present[name].steps[word] | dictsort %}
    - {{ key }}: {{ value | json }}
    {%- endfor %}
    - require:
      - gluster: gluster-volume-{{ name }}-options
{%-   endfor %}
{%-   for name, volume in model.volumes | dictsort if volume.ensure != 'absent' and volume.quota %}

gluster-volume-{{ name }}-quota:
  gluster.volume_quota:
    - name: {{ name | json }}
    - enabled: {{ volume.quota.enabled | json }}
    - limits: {{ volume.quota.limits | json }}
    - object_limits: {{ volume.quota.object_limits | json }}
    - reset_unmanaged: {{ volume.quota.reset_unmanaged | json }}
    - require:
      - gluster: gluster-volume-{{ name }}-started
{%-   endfor %}
{%-   for name, volume in model.volumes | dictsort if volume.ensure != 'absent' and volume.snapshots %}

gluster-volume-{{ name }}-snapshots:
  gluster.snapshot_config:
    - name: {{ name | json }}
    - hard_limit: {{ volume.snapshots.hard_limit | json }}
    - require:
      - gluster: gluster-volume-{{ name }}
{%-   endfor %}
{#- snapshot schedules: jobs of this (leader) minion's Salt scheduler running snapshot_rotate;
    they need the minion daemon running (the scheduler lives there). The other prefixes, and
    every job on the other nodes, go in gluster-snapshot-schedules-elsewhere below #}
{%-   for name, volume in model.volumes | dictsort if volume.ensure != 'absent' %}
{%-     for prefix, job in volume.snapshot_schedule | dictsort if job.ensure != 'absent' %}

gluster-volume-{{ name }}-snapshot-schedule-{{ prefix }}:
  schedule.present:
    - name: {{ ('gluster-snapshot-' ~ name ~ '-' ~ prefix) | json }}
    - function: gluster.snapshot_rotate
    - job_args: {{ [name, prefix, job.keep] | json }}
    - {{ job.interval[0] }}: {{ job.interval[1] }}
    - persist: true
    - require:
      - gluster: gluster-volume-{{ name }}
{%-     endfor %}
{%-   endfor %}
{%-   set georep_live = [] %}
{%-   for name, volume in model.volumes | dictsort if volume.ensure != 'absent' %}
{%-     for secondary, session in volume.geo_replication | dictsort if session.ensure != 'absent' %}
{%-       do georep_live.append(secondary) %}
{%-     endfor %}
{%-   endfor %}
{%-   if georep_live %}

{#- this cluster's keys, made once and published in the Salt mine for the secondary nodes'
    gluster.georep_keys sls (pillar gluster:geo_replication_from) #}
gluster-georep-keys:
  gluster.georep_keys:
    - require:
      - test: gluster-peers-ready
{%-   endif %}
{%-   for name, volume in model.volumes | dictsort if volume.ensure != 'absent' %}
{%-     for secondary, session in volume.geo_replication | dictsort %}

gluster-volume-{{ name }}-georep-{{ secondary }}:
  gluster.geo_replication:
    - name: {{ name | json }}
    - secondary: {{ secondary | json }}
    - ensure: {{ session.ensure | json }}
    {%- if session.ssh_port %}
    - ssh_port: {{ session.ssh_port }}
    {%- endif %}
    - config: {{ session.config | json }}
    - force: {{ session.force | json }}
    - require:
      - gluster: gluster-volume-{{ name }}-{{ 'started' if volume.started else 'stopped' }}
      {%- if session.ensure != 'absent' %}
      - gluster: gluster-georep-keys
      {%- endif %}
{%-     endfor %}
{%-   endfor %}

{#- peers that left the pillar: reported, and detached with gluster:detach_removed_nodes once
    they host no brick (after the volume states above moved their bricks away) #}
gluster-pool-members:
  gluster.pool_members:
    - name: trusted pool
    - members: {{ model.nodes.values() | list | json }}
    - detach_others: {{ model.detach_removed_nodes | json }}
    - require:
      - test: gluster-server-ready
{%-   for name, volume in model.volumes | dictsort %}
      - gluster: gluster-volume-{{ name }}{{ '-absent' if volume.ensure == 'absent' else '' }}
{%-   endfor %}
{%- endif %}
{#- on every node: the snapshot schedules of the pillar's volumes (ensure: absent ones too) that
    this node must not run -- all of them on a node that is not the leader (a former leader
    keeps its jobs otherwise, and two nodes rotate one volume), the ensure: absent prefixes and
    volumes on the leader. Read from the minion's schedule file: no gluster call, no wait. #}
{%- if model.volumes %}
{%-   set kept = [] %}
{%-   for name, volume in model.volumes | dictsort if model.minion.is_leader and volume.ensure != 'absent' %}
{%-     for prefix, job in volume.snapshot_schedule | dictsort if job.ensure != 'absent' %}
{%-       do kept.append('gluster-snapshot-' ~ name ~ '-' ~ prefix) %}
{%-     endfor %}
{%-   endfor %}

gluster-snapshot-schedules-elsewhere:
  gluster.snapshot_schedules_absent:
    - name: snapshot schedules this node does not run
    - volumes: {{ model.volumes | list | sort | json }}
    - keep: {{ kept | json }}
{%- endif %}
