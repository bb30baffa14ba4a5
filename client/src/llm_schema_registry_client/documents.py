"""The GraphQL documents the client sends; field names are the registry's public API."""

from __future__ import annotations

VERSION_FIELDS = "subject version id schema format references { name subject version }"

REGISTER = f"""
mutation Register($subject: String!, $schema: String!, $format: SchemaFormat!,
                  $references: [SchemaReferenceInput!]) {{
  registerSchema(subject: $subject, schema: $schema, format: $format, references: $references) {{
    {VERSION_FIELDS} isNewVersion change
  }}
}}
"""

SCHEMA = """
query Schema($id: Int!) {
  schema(id: $id) { id schema format references { name subject version } }
}
"""

LATEST = f"""
query Latest($subject: String!) {{
  subject(name: $subject) {{ latest {{ {VERSION_FIELDS} }} }}
}}
"""

LATEST_UNDER = f"""
query LatestUnder($prefix: String) {{
  subjects(prefix: $prefix) {{ name latest {{ {VERSION_FIELDS} }} }}
}}
"""

VERSION = f"""
query Version($subject: String!, $number: Int!) {{
  subject(name: $subject) {{ version(number: $number) {{ {VERSION_FIELDS} }} }}
}}
"""

CHECK = """
query Check($subject: String!, $schema: String!, $format: SchemaFormat!, $version: Int,
            $references: [SchemaReferenceInput!]) {
  checkCompatibility(subject: $subject, schema: $schema, format: $format, version: $version,
                     references: $references) {
    isCompatible level policy messages
    incompatibilities { code message oldPath newPath direction version }
  }
}
"""

LINT = """
query Lint($schema: String!, $provider: Provider!, $toolName: String) {
  lintSchema(schema: $schema, provider: $provider, toolName: $toolName) {
    ruleId pointer message severity
  }
}
"""

EXPORT = """
query Export($subject: String!, $target: ExportTarget!, $version: Int, $name: String,
             $description: String) {
  exportSchema(subject: $subject, target: $target, version: $version, name: $name,
               description: $description) {
    subject version schemaId target name document
  }
}
"""

_VALIDATION_FIELDS = "valid subject version errors { instancePath schemaPath keyword message }"

VALIDATE = f"""
query Validate($subject: String!, $payload: JSON!, $version: Int, $messageName: String) {{
  validatePayload(subject: $subject, payload: $payload, version: $version,
                  messageName: $messageName) {{ {_VALIDATION_FIELDS} }}
}}
"""

VALIDATE_MANY = f"""
query ValidateMany($subject: String!, $payloads: [JSON!]!, $version: Int,
                   $messageName: String) {{
  validatePayloads(subject: $subject, payloads: $payloads, version: $version,
                   messageName: $messageName) {{ {_VALIDATION_FIELDS} }}
}}
"""

SCHEMA_CHANGES = """
subscription Watch($subjectPrefix: String, $after: Int) {
  schemaChanges(subjectPrefix: $subjectPrefix, after: $after) {
    sequence kind subject version id schema format permanent timestamp change
    references { name subject version }
  }
}
"""
