// The seed documents' own YAML (../shared/seeds/*.md), copied unchanged, shared by the unit
// tests of the dialect parsers and the end-to-end tests that apply them to the real cluster.

/** whisperer-rs.md: sync.yaml */
export const WHISPERER_SYNC_YAML = `apiVersion: v1
kind: Namespace
metadata:
  name: source
---
apiVersion: v1
kind: Namespace
metadata:
  name: target
---
apiVersion: v1
kind: Namespace
metadata:
  name: target2
---
apiVersion: v1
kind: Secret
metadata:
  name: sync
  namespace: source
  labels:
    secret-syncer.jeffl.es/sync: "true"
  annotations:
    secret-syncer.jeffl.es/namespaces: "target,target2,missing"
data:
  secret: dG90YWxseSBhIHN1cGVyIGR1cGVyIHNlY3JldCB5b3Ugc2hvdWxkbid0IHRlbGwgYW55b25lCg==
`;

/** openkruise-resource-distribution.md: Story 1 */
export const KRUISE_STORY_1 = `# my-secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: namespaced-secret
  annotations:
    openkruise.io/sync-to: "namespaces"
    openkruise.io/sync-to/namespaces: "ns-1;ns-2;ns-3"
type: generic
stringData:
  username: admin
  password: t0p-Secret
`;

/** openkruise-resource-distribution.md: Story 2 */
export const KRUISE_STORY_2 = `apiVersion: v1
kind: Secret
metadata:
  name: cluseter-level-secret
  annotations:
    openkruise.io/sync-to: "cluster"
type: generic
stringData:
  username: admin
  password: t0p-Secret
`;

/** stakater-mto-template.md: Template */
export const STAKATER_TEMPLATE = `apiVersion: tenantoperator.stakater.com/v1alpha1
kind: Template
metadata:
  name: registry-secret
resources:
  resourceMappings:
    secrets:
      - name: registry
        namespace: default
`;

/** stakater-mto-template.md: TemplateGroupInstance */
export const STAKATER_TEMPLATE_GROUP_INSTANCE = `apiVersion: tenantoperator.stakater.com/v1alpha1
kind: TemplateGroupInstance
metadata:
  name: registry-secret-group-instance
spec:
  template: registry-secret
  selector:
    matchLabels:
      kind: registry
  sync: true
`;
