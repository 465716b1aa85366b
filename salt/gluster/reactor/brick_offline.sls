{#- Example reactor: a brick went offline -> ask the node that reported it to start it again.
    Master config (the master needs this extension: pip install, or salt-run saltutil.sync_all):
      reactor:
        - 'salt/beacon/*/gluster/brick/offline':
          - salt://gluster/reactor/brick_offline.sls
    Nothing in the event is trusted (README: Observability, the reactor). gluster.brick_event_target
    (run here, on the master) gives the minion the tag names when the event's id names it too, and
    the volume and brick when they pass the module's name rules; otherwise nothing is rendered.
    That minion alone is targeted, as a list; gluster.brick_restart there decides from gluster's own
    view (volume Started, brick on that node and offline) and bounds the restarts: at most `limit`
    per brick in `window` seconds. -#}
{%- set target = salt['gluster.brick_event_target'](tag, data) %}
{%- if target %}
"gluster brick offline: restart on the reporting node":
  local.gluster.brick_restart:
    - tgt: {{ [target['minion']] | json }}
    - tgt_type: list
    - args:
      - volume: {{ target['volume'] | json }}
      - brick: {{ target['brick'] | json }}
      - limit: 3
      - window: 3600
{%- endif %}
