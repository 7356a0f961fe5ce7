// ECR logins on AWS identities other than static keys, against a local AWS account that checks
// every signature and session (test/support/fake-providers/aws-sts.ts): registry-creds'
// aws_assume_role, IRSA (AssumeRoleWithWebIdentity with a projected ServiceAccount token of the
// real control plane) and EKS Pod Identity (container credentials), sessions that expire between
// refreshes, and a role the credentials may not assume.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { registryCredentialsPath } from "../../../src/registry/crd.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, createNamespace, sharedControlPlane, uniqueName } from "../../support/cluster.js";
import { createResource, createSecret, deleteResource, getResource, waitForObject } from "../../support/ferry.js";
import { startFakeAws, type FakeAws } from "../../support/fake-providers/aws-sts.js";
import { ecrProxyEndpoint, startFakeEcr, type FakeEcr } from "../../support/fake-providers/ecr.js";
import { serviceAccountIssuer, serviceAccountTokenFile } from "../../support/service-account-tokens.js";
import { logins, startRegistryFixture } from "./support.js";

const ACCOUNT = "123456789012";

/** Sets process environment variables the AWS SDK reads for this test, restoring them after. */
function setEnv(t: TestContext, values: Record<string, string>): void {
  const before = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  t.after(() => {
    for (const [key, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}

async function aws(t: TestContext, sessionSeconds = 3600): Promise<{ sts: FakeAws; ecr: FakeEcr }> {
  const { issuer, publicKeyPem } = serviceAccountIssuer(sharedControlPlane());
  const sts = await startFakeAws({ sessionSeconds, webIdentityKeys: { [issuer]: publicKeyPem } });
  t.after(() => sts.stop());
  const ecr = await startFakeEcr({ authenticate: (request, service) => sts.authenticate(request, service) });
  t.after(() => ecr.stop());
  setEnv(t, { AWS_ENDPOINT_URL_STS: sts.url, AWS_REGION: "us-east-1" });
  return { sts, ecr };
}

const assumedRole = (role: string) => new RegExp(`^arn:aws:sts::111122223333:assumed-role/${role}/`);

test("registry-creds' aws_assume_role: the keys in registry-creds-ecr assume the role, ECR is called as the role's session; a role they may not assume is reported by name", async (t) => {
  const { sts, ecr } = await aws(t);
  const puller = sts.addUser("registry-creds");
  const role = sts.addRole("ecr-pull", { principals: [puller.arn] });
  const fixture = await startRegistryFixture(t, { env: { awsaccount: ACCOUNT, aws_assume_role: role, AWS_ENDPOINT_URL_ECR: ecr.url } });
  const ns = fixture.ferryNamespace;
  await createSecret(ns, "registry-creds-ecr", { AWS_ACCESS_KEY_ID: puller.accessKeyId, AWS_SECRET_ACCESS_KEY: puller.secretAccessKey });
  const target = await createNamespace(t, "assume");
  const endpoint = ecrProxyEndpoint(ACCOUNT, "us-east-1");
  const copy = await waitForObject("Secret", target, "awsecr-cred", (o) => logins(o)[endpoint] !== undefined);
  assert.equal(logins(copy)[endpoint]!.password, ecr.latest(ACCOUNT, "us-east-1"));
  assert.match(ecr.calls.at(-1)!.caller ?? "", assumedRole("ecr-pull"), "ECR was called with the assumed role's session");
  assert.ok(sts.calls.some((call) => call.action === "AssumeRole" && call.caller === puller.arn && call.ok));

  // The native resource with a role the keys may not assume: its status names the role and AWS's answer.
  const forbidden = sts.addRole("not-for-registry-creds", { principals: [] });
  await createSecret(ns, "pull-keys", { AWS_ACCESS_KEY_ID: puller.accessKeyId, AWS_SECRET_ACCESS_KEY: puller.secretAccessKey });
  const name = uniqueName("refused-role");
  await createResource(registryCredentialsPath, {
    apiVersion: "ferry.dev/v1alpha1",
    kind: "RegistryCredential",
    metadata: { name },
    spec: { provider: "ecr", secretRef: { name: "pull-keys" }, ecr: { accounts: [ACCOUNT], endpoint: ecr.url, roleArn: forbidden }, targets: { namespaces: [target] } },
  });
  t.after(() => deleteResource(`${registryCredentialsPath}/${name}`));
  const status = await waitFor(
    async () => {
      const object = await getResource(`${registryCredentialsPath}/${name}`);
      const lastError = (object?.status as { lastError?: string } | undefined)?.lastError;
      return lastError ? lastError : undefined;
    },
    { timeoutMs: 30_000, description: "the refused role in the RegistryCredential's status" },
  );
  assert.match(status, /AssumeRole arn:aws:iam::111122223333:role\/not-for-registry-creds failed: AccessDenied/);
  assert.ok(!status.includes(puller.secretAccessKey));
});

test("IRSA: with no keys anywhere, the projected ServiceAccount token (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN) is exchanged for a session, and expired sessions are replaced at the next refresh", async (t) => {
  const { sts, ecr } = await aws(t, 4);
  ecr.lifetimeSeconds = 6;
  const admin = await adminClient();
  const podNamespace = await createNamespace(t, "irsa");
  const projected = await serviceAccountTokenFile(admin, podNamespace, "ferry", "sts.amazonaws.com");
  const { issuer } = serviceAccountIssuer(sharedControlPlane());
  const role = sts.addRole("ferry-irsa", { webIdentity: { issuer, audience: "sts.amazonaws.com", subjects: [projected.subject] } });
  setEnv(t, { AWS_WEB_IDENTITY_TOKEN_FILE: projected.path, AWS_ROLE_ARN: role, AWS_ROLE_SESSION_NAME: "ferry-registry" });
  const fixture = await startRegistryFixture(t, { env: { awsaccount: ACCOUNT, AWS_ENDPOINT_URL_ECR: ecr.url } });
  const target = await createNamespace(t, "irsa-target");
  const endpoint = ecrProxyEndpoint(ACCOUNT, "us-east-1");
  await waitForObject("Secret", target, "awsecr-cred", (o) => logins(o)[endpoint] !== undefined);
  const first = ecr.calls.find((call) => call.caller)!;
  assert.match(first.caller!, assumedRole("ferry-irsa"));
  assert.ok(sts.calls.some((call) => call.action === "AssumeRoleWithWebIdentity" && call.caller === projected.subject && call.ok));
  // Sessions live 4 s, ECR tokens 6 s: a refresh after the first session expired must use a new one.
  const firstSession = sts.sessions().find((session) => session.accessKeyId === first.accessKeyId)!;
  const later = await waitFor(() => ecr.calls.find((call) => call.accessKeyId !== first.accessKeyId && Date.now() > firstSession.expiresAt.getTime()), {
    timeoutMs: 30_000,
    description: "an ECR call with a newer session after the first expired",
  });
  assert.match(later.caller ?? "", assumedRole("ferry-irsa"));
  await waitForObject("Secret", target, "awsecr-cred", (o) => logins(o)[endpoint]?.password === ecr.latest(ACCOUNT, "us-east-1"));
  assert.equal(fixture.registry.controller.credential("registry-creds/ecr")!.failures, 0, "no refresh failed on an expired session");
});

test("EKS Pod Identity: container credentials from the agent (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)", async (t) => {
  const { sts, ecr } = await aws(t);
  const admin = await adminClient();
  const podNamespace = await createNamespace(t, "pod-identity");
  const projected = await serviceAccountTokenFile(admin, podNamespace, "ferry", "pods.eks.amazonaws.com");
  sts.addRole("ferry-pod-identity", { podIdentity: [projected.subject] });
  setEnv(t, { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${sts.url}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: projected.path });
  await startRegistryFixture(t, { env: { awsaccount: ACCOUNT, AWS_ENDPOINT_URL_ECR: ecr.url } });
  const target = await createNamespace(t, "pod-identity-target");
  const endpoint = ecrProxyEndpoint(ACCOUNT, "us-east-1");
  const copy = await waitForObject("Secret", target, "awsecr-cred", (o) => logins(o)[endpoint] !== undefined);
  assert.equal(logins(copy)[endpoint]!.password, ecr.latest(ACCOUNT, "us-east-1"));
  assert.match(ecr.calls.at(-1)!.caller ?? "", assumedRole("ferry-pod-identity"));
  assert.ok(sts.calls.some((call) => call.action === "AssumeRoleForPodIdentity" && call.caller === projected.subject));
});
