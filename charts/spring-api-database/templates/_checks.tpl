{{/*
Refuses values the Cluster could not run with, naming the key, the value and what is allowed,
before anything reaches the API server.
*/}}
{{- define "spring-api-database.checks" -}}
{{- $v := .Values -}}
{{- if not (regexMatch "^[1-9]$" (toString $v.instances)) -}}
{{- fail (printf "instances = %v is invalid: must be an integer from 1 to 9" $v.instances) -}}
{{- end -}}
{{- with $v.synchronous -}}
{{- if not (has .method (list "any" "first")) -}}
{{- fail (printf "synchronous.method = %q is invalid: must be \"any\" or \"first\"" (toString .method)) -}}
{{- end -}}
{{- if or (not (regexMatch "^[1-9]$" (toString .number))) (ge (int .number) (int $v.instances)) -}}
{{- fail (printf "synchronous.number = %v is invalid: must be an integer of at least 1 and below instances (%v): each synchronous standby is another instance" .number $v.instances) -}}
{{- end -}}
{{- end -}}
{{- if not (has $v.podAntiAffinityType (list "preferred" "required")) -}}
{{- fail (printf "podAntiAffinityType = %q is invalid: must be \"preferred\" or \"required\"" (toString $v.podAntiAffinityType)) -}}
{{- end -}}
{{- if $v.backup.enabled -}}
{{- if not (regexMatch "^gs://[a-z0-9][a-z0-9._-]{1,221}[a-z0-9](/[^ ]*)?$" (toString $v.backup.destinationPath)) -}}
{{- fail (printf "backup.destinationPath = %q is invalid: must be gs://<bucket>[/<path>], the Cloud Storage bucket the gcp stack creates (pulumi stack output databaseBackupBucket)" (toString $v.backup.destinationPath)) -}}
{{- end -}}
{{- if not (regexMatch "^[1-9][0-9]*[dwm]$" (toString $v.backup.retentionPolicy)) -}}
{{- fail (printf "backup.retentionPolicy = %q is invalid: must be a number of days, weeks or months such as \"14d\"" (toString $v.backup.retentionPolicy)) -}}
{{- end -}}
{{- end -}}
{{- if $v.recovery.enabled -}}
{{- if not $v.backup.enabled -}}
{{- fail "recovery.enabled = true is invalid: must come with backup.enabled (the bucket and its key the backups are read from; gcp only)" -}}
{{- end -}}
{{- if eq (default $v.name $v.backup.serverName) $v.recovery.sourceServerName -}}
{{- fail (printf "backup.serverName = %q is invalid: must differ from recovery.sourceServerName (%s): a restored cluster archives under a new name, the backups it comes from stay as they are" (default $v.name $v.backup.serverName) $v.recovery.sourceServerName) -}}
{{- end -}}
{{- end -}}
{{- end -}}
