{#- gluster.healed: every started volume of the pillar has finished self-heal (every brick
    answers, no entry left), waiting at most gluster:maintenance:heal_timeout seconds. Used by
    gluster.orch.rolling between nodes; run it on a node (the leader by default). -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import model with context %}
{%- for name, volume in model.volumes | dictsort if volume.ensure == 'present' and volume.started %}

gluster-volume-{{ name }}-healed:
  gluster.volume_healed:
    - name: {{ name | json }}
    - timeout: {{ model.maintenance.heal_timeout }}
{%- else %}

gluster-no-volume-to-heal:
  test.nop: []
{%- endfor %}
