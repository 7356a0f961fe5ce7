// The seed document (shared/seeds/registry-creds.md), copied unchanged: its deployment
// manifest (Namespace, ServiceAccount, ClusterRole, ClusterRoleBinding, Deployment) and the
// values of its `kubectl create secret` steps. Used by the unit tests (environment parsing) and
// by the end-to-end walkthrough (RBAC, Secrets, namespaces, ServiceAccounts).
import { parseAllDocuments } from "yaml";

export const seedManifest = `# registry-creds-deployment.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: registry-creds
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: registry-creds
  namespace: registry-creds
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: registry-creds
rules:
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["list", "watch"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["create", "get", "update", "patch"]
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["get", "update", "patch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: registry-creds
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: registry-creds
subjects:
- kind: ServiceAccount
  name: registry-creds
  namespace: registry-creds
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: registry-creds
  namespace: registry-creds
spec:
  replicas: 1
  selector:
    matchLabels:
      app: registry-creds
  template:
    metadata:
      labels:
        app: registry-creds
    spec:
      serviceAccountName: registry-creds
      containers:
      - name: registry-creds
        image: upmcenterprises/registry-creds:1.10
        env:
        # AWS ECR configuration
        - name: AWS_ACCESS_KEY_ID
          valueFrom:
            secretKeyRef:
              name: registry-creds-ecr
              key: AWS_ACCESS_KEY_ID
              optional: true
        - name: AWS_SECRET_ACCESS_KEY
          valueFrom:
            secretKeyRef:
              name: registry-creds-ecr
              key: AWS_SECRET_ACCESS_KEY
              optional: true
        - name: awsaccount
          value: "123456789012"
        - name: awsregion
          value: "us-east-1"
        # Docker Hub configuration
        - name: DOCKER_USER
          valueFrom:
            secretKeyRef:
              name: registry-creds-dockerhub
              key: DOCKER_USER
              optional: true
        - name: DOCKER_PASSWORD
          valueFrom:
            secretKeyRef:
              name: registry-creds-dockerhub
              key: DOCKER_PASSWORD
              optional: true
        # GCR configuration
        - name: GCR_URL
          value: "https://gcr.io"
        - name: GCR_APPLICATION_DEFAULT_CREDENTIALS
          valueFrom:
            secretKeyRef:
              name: registry-creds-gcr
              key: application_default_credentials.json
              optional: true
`;

/** `kubectl create secret generic registry-creds-dockerhub --from-literal=...` (and the rotation step's new password). */
export const seedDockerHub = { DOCKER_USER: "myusername", DOCKER_PASSWORD: "mypassword" };
export const seedDockerHubRotated = { DOCKER_USER: "myusername", DOCKER_PASSWORD: "mynewpassword" };
/** `kubectl create secret generic registry-creds-ecr --from-literal=...` */
export const seedEcr = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
/** The namespace manifest of "Excluding Namespaces". */
export const seedIgnoreAnnotation = { "registry-creds/ignore": "true" };

export type Manifest = Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } };

export function seedDocuments(): Manifest[] {
  return parseAllDocuments(seedManifest).map((document) => document.toJS() as Manifest);
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

/**
 * The environment the kubelet would give the seed's container: literal values, and
 * secretKeyRef values from the given Secrets (decoded data by name); optional references to
 * missing Secrets or keys are left unset.
 */
export function seedContainerEnv(secrets: Record<string, Record<string, string>>): Record<string, string> {
  const deployment = seedDocuments().find((doc) => doc.kind === "Deployment")!;
  const container = (deployment.spec as { template: { spec: { containers: Array<{ env: EnvVar[] }> } } }).template.spec.containers[0]!;
  const env: Record<string, string> = {};
  for (const variable of container.env) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) continue;
    const value = secrets[ref.name]?.[ref.key];
    if (value !== undefined) env[variable.name] = value;
    else if (!ref.optional) throw new Error(`secret ${ref.name} key ${ref.key} is required`);
  }
  return env;
}
