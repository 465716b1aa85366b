{#- gluster.bricks: this node's brick directories (every volume's bricks on this node's
    address). Block devices, filesystems and mounts come with the "brick backends" work. -#}
{%- from "gluster/map.jinja" import model with context %}
{%- for directory in model.minion.brick_dirs %}

gluster-brick-{{ directory }}:
  file.directory:
    - name: {{ directory | json }}
    - makedirs: true
    - require_in:
      - test: gluster-bricks-ready
{%- endfor %}

gluster-bricks-ready:
  test.nop: []
