{#- Example reactor: a brick went offline -> start it again on the node that reported it.
    `gluster volume start VOL force` starts only the bricks of VOL that are not running.
    Master config:
      reactor:
        - 'salt/beacon/*/gluster/brick/offline':
          - salt://gluster/reactor/brick_offline.sls
    The beacon's data: id (the minion), volume, brick, condition. -#}
{%- set event = data.get('data', data) %}
gluster-restart-brick-{{ event['volume'] }}:
  local.gluster.volume_start:
    - tgt: {{ event['id'] | json }}
    - args:
      - name: {{ event['volume'] | json }}
      - force: true
