// The EKS token against a local STS stand-in that checks signatures independently of the SDK:
// its format (what aws-iam-authenticator parses), the signed cluster header, role assumption
// through the shared AWS credential chain, and the errors when a role is refused.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { EKS_TOKEN_PREFIX, EksTokenSource, presignEksToken } from "../../../src/cloud/aws/eks-token.js";
import { awsCredentials } from "../../../src/cloud/aws/credentials.js";
import { startFakeAws, type FakeAws } from "../../support/fake-providers/aws-sts.js";

let aws: FakeAws;
let hub: Awaited<ReturnType<FakeAws["addUser"]>>;
let roleArn: string;
const saved = { ...process.env };

before(async () => {
  aws = await startFakeAws({ sessionSeconds: 900 });
  hub = aws.addUser("ferry-hub");
  roleArn = aws.addRole("member-access", { principals: [hub.arn] });
  // The SDK's own settings: keys, region and the STS endpoint.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: hub.accessKeyId,
    AWS_SECRET_ACCESS_KEY: hub.secretAccessKey,
    AWS_REGION: "eu-west-1",
    AWS_ENDPOINT_URL_STS: aws.url,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent/ferry-test/config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/ferry-test/credentials",
  });
});
after(async () => {
  process.env = saved;
  await aws.stop();
});

/** What aws-iam-authenticator does with a token: decode, check, replay with its own cluster id. */
function replay(token: string, clusterId: string): { url: URL; caller: () => string } {
  assert.ok(token.startsWith(EKS_TOKEN_PREFIX));
  const encoded = token.slice(EKS_TOKEN_PREFIX.length);
  assert.doesNotMatch(encoded, /[=+/]/, "base64url without padding");
  const url = new URL(Buffer.from(encoded, "base64url").toString("utf8"));
  return {
    url,
    caller: () => aws.authenticate({ method: "GET", url: `${url.pathname}${url.search}`, headers: { host: url.host, "x-k8s-aws-id": clusterId }, body: "" }, "sts", 15 * 60),
  };
}

test("a presigned GetCallerIdentity: action, 60 s X-Amz-Expires, x-k8s-aws-id signed; STS accepts it only for that cluster", async () => {
  const token = await presignEksToken("prod-eu", awsCredentials({ region: "eu-west-1" }), "eu-west-1");
  const { url, caller } = replay(token, "prod-eu");
  assert.equal(url.origin, aws.url);
  assert.equal(url.pathname, "/");
  assert.equal(url.searchParams.get("Action"), "GetCallerIdentity");
  assert.equal(url.searchParams.get("Version"), "2011-06-15");
  assert.equal(url.searchParams.get("X-Amz-Expires"), "60");
  assert.deepEqual(url.searchParams.get("X-Amz-SignedHeaders")?.split(";"), ["host", "x-k8s-aws-id"]);
  assert.match(url.searchParams.get("X-Amz-Credential") ?? "", new RegExp(`^${hub.accessKeyId}/\\d{8}/eu-west-1/sts/aws4_request$`));
  assert.equal(caller(), hub.arn);
  assert.throws(() => replay(token, "another-cluster").caller(), /signature we calculated does not match/);
});

test("with a role: AssumeRole first (signed by the hub's keys), the token is the role session's, and lives no longer than the session", async () => {
  aws.sessionSeconds = 30;
  const source = new EksTokenSource({ cloud: "eks", clusterName: "prod-eu", roleArn, region: "eu-west-1" });
  const before = Date.now();
  const minted = await source.mint();
  const { url, caller } = replay(minted.token, "prod-eu");
  assert.match(caller(), /^arn:aws:sts::111122223333:assumed-role\/member-access\/ferry-\d+$/);
  assert.ok(url.searchParams.get("X-Amz-Security-Token"), "a session token is part of the presigned URL");
  assert.ok(minted.expiresAt.getTime() <= before + 31_000, `token life capped by the 30 s session (expires ${minted.expiresAt.toISOString()})`);
  assert.ok(aws.calls.some((call) => call.action === "AssumeRole" && call.caller === hub.arn && call.ok));
  aws.sessionSeconds = 900;
  const long = await new EksTokenSource({ cloud: "eks", clusterName: "prod-eu", region: "eu-west-1" }).mint();
  const life = long.expiresAt.getTime() - Date.now();
  assert.ok(life > 13 * 60_000 && life <= 14 * 60_000, `14 minutes for long-lived credentials (got ${life} ms)`);
});

test("a role the hub may not assume: a clear error naming cluster, role and AWS's answer, no secret", async () => {
  const refused = aws.addRole("not-for-the-hub", { principals: [] });
  const source = new EksTokenSource({ cloud: "eks", clusterName: "prod-eu", roleArn: refused, region: "eu-west-1" });
  await assert.rejects(source.mint(), (error: Error) => {
    assert.match(error.message, /^an EKS token for cluster "prod-eu" as role arn:aws:iam::111122223333:role\/not-for-the-hub: AssumeRole .* failed: AccessDenied: User: arn:aws:iam::111122223333:user\/ferry-hub is not authorized/);
    assert.ok(!error.message.includes(hub.secretAccessKey));
    return true;
  });
});
