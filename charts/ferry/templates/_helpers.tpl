{{/* Chart name, truncated to the 63 characters of a label value. */}}
{{- define "ferry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects: the release name, with the chart's name unless it contains it. */}}
{{- define "ferry.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Ferry's own namespace: namespaceOverride, else the release's. */}}
{{- define "ferry.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{- define "ferry.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ferry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ferry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
commonLabels, for every object and the pods. Keys under the chart's own prefixes are refused:
they would repeat (or contradict) a label the chart sets, and a selector depends on some.
*/}}
{{- define "ferry.commonLabels" -}}
{{- range $key, $value := .Values.commonLabels }}
{{- if or (hasPrefix "app.kubernetes.io/" $key) (hasPrefix "helm.sh/" $key) (hasPrefix "ferry.dev/" $key) }}
{{- fail (printf "commonLabels: %s is the chart's own label; app.kubernetes.io/, helm.sh/ and ferry.dev/ keys cannot be set here" $key) }}
{{- end }}
{{- end }}
{{- with .Values.commonLabels }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/* The pods' labels beyond the selector's: podLabels, then commonLabels (podLabels win a shared key). */}}
{{- define "ferry.podLabels" -}}
{{- $_ := include "ferry.commonLabels" . }}
{{- with merge (dict) (.Values.podLabels | default dict) (.Values.commonLabels | default dict) }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{- define "ferry.labels" -}}
helm.sh/chart: {{ include "ferry.chart" . }}
{{ include "ferry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ferry
{{- with include "ferry.commonLabels" . }}
{{ . }}
{{- end }}
{{- end }}

{{/* Labels of the CRD templates, next to the CRDs' own (scripts/write-crds.ts keeps them apart). */}}
{{- define "ferry.crdLabels" -}}
helm.sh/chart: {{ include "ferry.chart" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with include "ferry.commonLabels" . }}
{{ . }}
{{- end }}
{{- end }}

{{- define "ferry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ferry.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ferry.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Replicas: the value, else 2 with leader election and 1 without. More than one writer without leader election is refused. */}}
{{- define "ferry.replicas" -}}
{{- $default := ternary 2 1 .Values.leaderElection.enabled }}
{{- $replicas := $default }}
{{- if not (kindIs "invalid" .Values.replicas) }}
{{- $replicas = int .Values.replicas }}
{{- end }}
{{- if and (gt $replicas 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicas > 1 needs leaderElection.enabled: two Ferry pods without a leader would both write" }}
{{- end }}
{{- $replicas }}
{{- end }}

{{/*
The value at a dotted path under .Values ("crds.manageAtRuntime"), as a string: the `when`
conditions of files/rbac.yaml. Called with (dict "Values" .Values "path" "a.b").
*/}}
{{- define "ferry.valueAt" -}}
{{- $value := .Values }}
{{- range splitList "." .path }}
{{- if kindIs "map" $value }}
{{- $value = get $value . }}
{{- else }}
{{- $value = "" }}
{{- end }}
{{- end }}
{{- $value }}
{{- end }}

{{/*
Renders a list of rules from files/rbac.yaml, each with its reason as a comment; rules with a
`when` path render only when that value is true. Called with (dict "rules" LIST "Values" .Values).
*/}}
{{- define "ferry.rbacRules" -}}
{{- $values := .Values }}
{{- range .rules }}
{{- if or (not .when) (eq (include "ferry.valueAt" (dict "Values" $values "path" .when)) "true") }}
{{- range (wrap 96 (.reason | replace "\n" " " | trim) | splitList "\n") }}
# {{ . }}
{{- end }}
- apiGroups: {{ toJson .apiGroups }}
  resources: {{ toJson .resources }}
  {{- with .resourceNames }}
  resourceNames: {{ toJson . }}
  {{- end }}
  verbs: {{ toJson .verbs }}
{{- end }}
{{- end }}
{{- end }}

{{/* files/rbac.yaml, parsed; fails on a parse error. */}}
{{- define "ferry.rbacFile" -}}
{{- $rbac := .Files.Get "files/rbac.yaml" | fromYaml }}
{{- if hasKey $rbac "Error" }}
{{- fail (printf "files/rbac.yaml: %s" $rbac.Error) }}
{{- end }}
{{- toJson $rbac }}
{{- end }}

{{/* "true" when an object from `lookup` belongs to this Helm release. Called with (dict "object" OBJ "Release" .Release). */}}
{{- define "ferry.ownedByRelease" -}}
{{- $name := dig "metadata" "annotations" "meta.helm.sh/release-name" "" .object }}
{{- $namespace := dig "metadata" "annotations" "meta.helm.sh/release-namespace" "" .object }}
{{- and (eq $name .Release.Name) (eq $namespace .Release.Namespace) }}
{{- end }}
