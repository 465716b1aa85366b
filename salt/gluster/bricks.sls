{#- gluster.bricks: this node's brick filesystems (gluster:brick_devices:<this node>: a block
    device -> optional GPT partition -> optional LVM -> XFS/ext4 -> mounted by UUID and in
    fstab) and its brick directories (every volume's bricks on this node's address). A brick
    directory on a brick filesystem is made only while that filesystem is mounted. -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import lookup, model with context %}
{#- the storage tools the brick filesystems need (gluster:server:manage_packages), from the
    distribution or gluster:repo: this runs before gluster.server installs anything #}
{%- set tools = [] %}
{%- for mount, backend in model.minion.backends | dictsort %}
{%-   for need, package in [(backend.filesystem, lookup.storage_pkgs.get(backend.filesystem)),
                             ('partition', lookup.storage_pkgs.partition if backend.partition else None),
                             ('lvm', lookup.storage_pkgs.lvm if backend.lvm else None)] %}
{%-     if package and package not in tools %}{% do tools.append(package) %}{% endif %}
{%-   endfor %}
{%- endfor %}
{%- set with_repo = model.server.manage_packages and (model.repo or model.version) %}
{%- if tools and model.server.manage_packages %}
{%-   if with_repo %}
include:
  - {{ tplroot }}.repo
{%-   endif %}

gluster-storage-tools:
  pkg.installed:
    - pkgs: {{ tools | json }}
    {%- if with_repo %}
    - require:
      - test: gluster-repo-ready
    {%- endif %}
{%- endif %}
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
    {%- if tools and model.server.manage_packages %}
    - require:
      - pkg: gluster-storage-tools
    {%- endif %}
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
