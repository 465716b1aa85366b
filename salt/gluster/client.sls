{#- gluster.client: the FUSE client package and this minion's mounts (gluster:clients).
    backup-volfile-servers lists the volume's other nodes, _netdev orders the mount after the
    network at boot, and the fstab entry persists it. A volume that is not started yet is
    retried (bounded) rather than failed, so one concurrent highstate converges. -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import lookup, model, mount_invisible_keys, mount_invisible_options, packages, version_held, installed_version with context %}
{%- set client = model.clients.get(grains['id'], {'mounts': {}}) %}
{%- set with_repo = model.server.manage_packages and (model.repo or model.version) %}
{%- if model.tls or with_repo %}
include:
  {%- if model.tls %}
  - {{ tplroot }}.tls
  {%- endif %}
  {%- if with_repo %}
  - {{ tplroot }}.repo
  {%- endif %}
{%- endif %}
{%- if model.server.manage_packages %}

gluster-client-packages:
  pkg.installed:
    - pkgs: {{ packages(lookup.client_pkgs) }}
    {%- if with_repo %}
    - require:
      - test: gluster-repo-ready
    {%- endif %}
{%-   if version_held and not model.minion.is_node %}

gluster-client-version-held:
  test.show_notification:
    - text: {{ ("glusterfs " ~ installed_version ~ " is installed and gluster:version is " ~ model.version ~ ": the packages stay as they are; once the servers run it, upgrade this client with: salt " ~ grains['id'] ~ " state.apply " ~ tplroot ~ ".client pillar='{\"gluster_upgrade\": true}' (a mount goes on with the client it was started with until it is mounted again)") | json }}
{%-   endif %}
{%- endif %}
{%- for mountpoint, mount in client.mounts | dictsort %}

gluster-mount-{{ mountpoint }}:
  mount.{{ 'mounted' if mount.mounted else 'unmounted' }}:
    - name: {{ mountpoint | json }}
    - device: {{ mount.device | json }}
    {%- if mount.mounted %}
    - fstype: glusterfs
    - opts: {{ mount.options | json }}
    - mkmnt: true
    - extra_mount_invisible_keys: {{ mount_invisible_keys | json }}
    - extra_mount_invisible_options: {{ mount_invisible_options | json }}
    {%- endif %}
    - persist: {{ mount.persist | json }}
    - config: {{ mount.fstab | json }}
    {%- if mount.mounted %}
    - retry:
        attempts: {{ mount.retry_attempts }}
        interval: {{ mount.retry_interval }}
        until: true
    {%- endif %}
    {%- if model.server.manage_packages or model.tls %}
    - require:
      {%- if model.server.manage_packages %}
      - pkg: gluster-client-packages
      {%- endif %}
      {%- if model.tls %}
      - test: gluster-tls-ready     {#- its certificate in place before it mounts #}
      {%- endif %}
    {%- endif %}
{%-   if mount.mounted %}

{#- a fresh mount answers before every brick connection is up (EIO meanwhile) #}
gluster-mount-{{ mountpoint }}-connected:
  gluster.mount_connected:
    - name: {{ mountpoint | json }}
    - timeout: 30
    - require:
      - mount: gluster-mount-{{ mountpoint }}
{%-   endif %}
{%- endfor %}
