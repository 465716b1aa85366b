{#- gluster.bricks: this node's brick filesystems (gluster:brick_devices:<this node>: a block
    device -> optional GPT partition -> optional LVM -> XFS/ext4 -> mounted by UUID and in
    fstab) and its brick directories (every volume's bricks on this node's address). A brick
    directory on a brick filesystem is made only while that filesystem is mounted. -#}
{%- from "gluster/map.jinja" import model with context %}
{%- for mount, backend in model.minion.backends | dictsort %}

gluster-brick-device-{{ mount }}:
  gluster_storage.backend_present:
    - name: {{ mount | json }}
    - device: {{ backend.device | json }}
    {%- for key in ['partition', 'lvm', 'raid'] if backend[key] %}
    - {{ key }}: {{ backend[key] | json }}
    {%- endfor %}
    - filesystem: {{ backend.filesystem | json }}
    - mkfs_options: {{ backend.mkfs_options | json }}
    - mount_options: {{ backend.mount_options | json }}
    - fstab: {{ backend.fstab | json }}
    - wipe: {{ backend.wipe | json }}
    {%- if backend.wipe_brick_data %}
    - wipe_brick_data: {{ backend.wipe_brick_data | json }}
    {%- endif %}
    - selinux: {{ backend.selinux | json }}
{%- endfor %}
{%- for directory in model.minion.brick_dirs %}
{%-   set mount = model.minion.brick_mounts.get(model.minion.address ~ ':' ~ directory) %}

gluster-brick-{{ directory }}:
  {%- if mount %}
  gluster_storage.brick_directory:
    - name: {{ directory | json }}
    - mount: {{ mount | json }}
    - require:
      - gluster_storage: gluster-brick-device-{{ mount }}
  {%- else %}
  file.directory:
    - name: {{ directory | json }}
    - makedirs: true
  {%- endif %}
    - require_in:
      - test: gluster-bricks-ready
{%- endfor %}

gluster-bricks-ready:
  test.nop: []
