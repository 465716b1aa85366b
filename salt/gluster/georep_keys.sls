{#- gluster.georep_keys: on a secondary cluster's nodes, the geo-replication keys of each primary
    named in gluster:geo_replication_from, in its user's authorized_keys (root, or the non-root
    mount-broker user). A primary leader publishes its keys in the Salt mine when it applies
    gluster.volumes (state gluster.georep_keys); {keys: [...]} gives them literally instead
    (salt-call --local, no master). A primary that has published nothing yet fails here with
    its name: apply gluster.volumes there first (or let the next highstate converge). -#}
{%- from "gluster/map.jinja" import model with context %}
{%- for source in model.georep_from %}
{%-   set n = loop.index %}
{%-   if source.minion %}
{%-     set published = salt['mine.get'](source.minion, 'gluster.georep_public_keys', tgt_type=source.tgt_type) %}
{%-     set keys = [] %}
{%-     for _minion, lines in published | dictsort %}
{%-       for line in lines if line not in keys %}{% do keys.append(line) %}{% endfor %}
{%-     endfor %}
{%-     set origin = 'the Salt mine of ' ~ source.minion %}
{%-   else %}
{%-     set keys = source['keys'] %}
{%-     set origin = 'the pillar' %}
{%-   endif %}
{%-   if not keys %}

gluster-georep-keys-{{ n }}-none:
  test.configurable_test_state:
    - name: {{ ('geo-replication keys from ' ~ source.minion) | json }}
    - changes: false
    - result: false
    - allow_test_mode_failure: true
    - comment: {{ ('no geo-replication keys from ' ~ source.minion ~ ' in the Salt mine yet (gluster:geo_replication_from:' ~ (n - 1) ~ '): apply gluster.volumes on that primary leader first') | json }}
{%-   endif %}
{%-   for key in keys %}

gluster-georep-keys-{{ n }}-{{ loop.index }}:
  ssh_auth.present:
    - name: {{ key | json }}
    - user: {{ source.user | json }}
    {%- if source.config %}
    - config: {{ source.config | json }}
    {%- endif %}
{%-   endfor %}
{%- endfor %}
{%- if not model.georep_from %}

gluster-georep-keys-nothing-to-do:
  test.nop:
    - name: "no gluster:geo_replication_from on {{ grains['id'] }}"
{%- endif %}
