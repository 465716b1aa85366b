{#- gluster.georep_keys: on a secondary cluster's nodes, the geo-replication keys of each primary
    named in gluster:geo_replication_from, in its user's authorized_keys (root, or the non-root
    mount-broker user). A primary leader publishes its keys in the Salt mine when it applies
    gluster.volumes (state gluster.georep_keys); {keys: [...]} gives them literally instead
    (salt-call --local, no master). The state gluster.georep_authorized_keys reads the mine
    itself (the lines never pass through this template) and refuses every line that is not
    exactly what gluster's gsec_create writes (its forced command, one key), naming the minion
    or the pillar path. A primary that has published nothing yet fails here with its name: apply
    gluster.volumes there first (or let the next highstate converge). -#}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import model with context %}
{%- for source in model.georep_from %}

gluster-georep-keys-{{ loop.index }}:
  gluster.georep_authorized_keys:
    - name: {{ ('gluster:geo_replication_from:' ~ (loop.index - 1)) | json }}
    {%- if source.minions %}
    - minions: {{ source.minions | json }}
    {%- else %}
    - keys: {{ source['keys'] | json }}
    {%- endif %}
    - user: {{ source.user | json }}
    {%- if source.config %}
    - config: {{ source.config | json }}
    {%- endif %}
{%- endfor %}
{%- if not model.georep_from %}

gluster-georep-keys-nothing-to-do:
  test.nop:
    - name: "no gluster:geo_replication_from on {{ grains['id'] }}"
{%- endif %}
