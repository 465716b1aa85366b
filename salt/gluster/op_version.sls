{#- gluster.op_version: the cluster's op-version raised to gluster:op_version (a number, or
    max: the highest every node's glusterd supports; max when the key is not set). Run on the
    leader by gluster.orch.rolling after an upgrade (pillar gluster_upgrade: true), once every
    node runs the new packages and every volume has healed: gluster cannot lower it again. -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import model with context %}

gluster-op-version-raised:
  gluster.op_version:
    - name: {{ (model.op_version or 'max') | string | json }}
