// Certificates for a local control plane: one CA, the apiserver's serving certificate, client
// certificates (admin in system:masters, the controller manager) and the service-account signing
// key pair. Keys come from node's native crypto; node-forge only assembles and signs X.509.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

export interface ControlPlanePki {
  ca: KeyAndCert;
  apiserver: KeyAndCert;
  admin: KeyAndCert;
  controllerManager: KeyAndCert;
  serviceAccount: { privateKeyPem: string; publicKeyPem: string };
}

function rsaKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

interface CertRequest {
  commonName: string;
  organizations?: string[];
  isCa?: boolean;
  serverNames?: { dns: string[]; ips: string[] };
  client?: boolean;
}

function issue(request: CertRequest, issuer: KeyAndCert | undefined): KeyAndCert {
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = "01" + randomBytes(15).toString("hex");
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
  const subject: forge.pki.CertificateField[] = [{ name: "commonName", value: request.commonName }];
  for (const org of request.organizations ?? []) subject.push({ name: "organizationName", value: org });
  cert.setSubject(subject);
  const extensions: object[] = [];
  if (request.isCa) {
    extensions.push({ name: "basicConstraints", cA: true, critical: true });
    extensions.push({ name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  } else {
    extensions.push({ name: "basicConstraints", cA: false });
    extensions.push({ name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true });
    extensions.push({ name: "extKeyUsage", serverAuth: Boolean(request.serverNames), clientAuth: Boolean(request.client) });
  }
  if (request.serverNames) {
    extensions.push({
      name: "subjectAltName",
      altNames: [
        ...request.serverNames.dns.map((value) => ({ type: 2, value })),
        ...request.serverNames.ips.map((ip) => ({ type: 7, ip })),
      ],
    });
  }
  cert.setExtensions(extensions);
  const signingKey = forge.pki.privateKeyFromPem(issuer ? issuer.keyPem : keys.privateKeyPem);
  cert.setIssuer(issuer ? forge.pki.certificateFromPem(issuer.certPem).subject.attributes : subject);
  cert.sign(signingKey, forge.md.sha256.create());
  return { keyPem: keys.privateKeyPem, certPem: forge.pki.certificateToPem(cert) };
}

/** Creates every certificate and key a local control plane needs. */
export function createControlPlanePki(serviceClusterIp: string): ControlPlanePki {
  const ca = issue({ commonName: "ferry-local-ca", isCa: true }, undefined);
  return {
    ca,
    apiserver: issue(
      {
        commonName: "kube-apiserver",
        serverNames: {
          dns: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
          ips: ["127.0.0.1", serviceClusterIp],
        },
      },
      ca,
    ),
    admin: issue({ commonName: "ferry-admin", organizations: ["system:masters"], client: true }, ca),
    controllerManager: issue(
      { commonName: "system:kube-controller-manager", organizations: ["system:masters"], client: true },
      ca,
    ),
    serviceAccount: rsaKeyPair(),
  };
}
