{#- gluster.monitoring: the gluster beacon (gluster:monitoring) on every node: each watches its
    own bricks and its peers; the leader also watches the whole cluster (heal, split-brain,
    quota, geo-replication). Events: salt/beacon/<minion>/gluster/<what>/<how> (README:
    Observability); salt/gluster/reactor/ has an example reactor. -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import model with context %}
{%- set monitoring = model.monitoring %}
{%- if monitoring and model.minion.is_node %}
gluster-beacon:
  beacon.present:
    - name: gluster
    - save: true
    - interval: {{ monitoring.interval }}
    - checks: {{ monitoring.checks | json }}
    - cluster: {{ model.minion.is_leader | json }}
    - heal_threshold: {{ monitoring.heal_threshold }}
{%- else %}
gluster-beacon:
  beacon.absent:
    - name: gluster
    - save: true
{%- endif %}
