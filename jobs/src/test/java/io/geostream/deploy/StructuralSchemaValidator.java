package io.geostream.deploy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a custom resource against a CustomResourceDefinition's {@code openAPIV3Schema} with the
 * API server's structural-schema semantics and {@code kubectl apply --validate=strict}: types, enums,
 * required fields, int-or-string, and unknown fields rejected unless the schema preserves them.
 * That is not plain JSON Schema (where unknown properties pass and {@code x-kubernetes-*} keywords are
 * ignored), hence this small validator instead of a generic one. It refuses a schema that uses a
 * keyword it does not implement, so a newer CRD cannot be half-checked silently.
 */
final class StructuralSchemaValidator {
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "items", "additionalProperties", "enum",
            "required", "anyOf", "description", "format", "nullable", "x-kubernetes-int-or-string",
            "x-kubernetes-preserve-unknown-fields");

    private StructuralSchemaValidator() {}

    /** Errors of {@code value} against {@code schema}, as "path: reason"; empty when valid. */
    static List<String> validate(Object value, Map<String, Object> schema) {
        List<String> errors = new ArrayList<>();
        check(value, schema, "", errors);
        return errors;
    }

    @SuppressWarnings("unchecked")
    private static void check(Object value, Map<String, Object> schema, String path, List<String> errors) {
        for (String k : schema.keySet()) {
            if (!KEYWORDS.contains(k)) throw new IllegalStateException("schema keyword not supported: " + k + " at " + path);
        }
        if (value == null) {
            if (!Boolean.TRUE.equals(schema.get("nullable"))) errors.add(path + ": null is not allowed");
            return;
        }
        if (Boolean.TRUE.equals(schema.get("x-kubernetes-int-or-string"))) {
            if (!(isInteger(value) || value instanceof String)) errors.add(path + ": expected integer or string, got " + describe(value));
            return;
        }
        String type = (String) schema.get("type");
        if (type != null && !hasType(value, type)) {
            errors.add(path + ": expected " + type + ", got " + describe(value));
            return;
        }
        List<Object> allowed = (List<Object>) schema.get("enum");
        if (allowed != null && allowed.stream().noneMatch(a -> String.valueOf(a).equals(String.valueOf(value)))) {
            errors.add(path + ": '" + value + "' is not one of " + allowed);
        }
        List<Map<String, Object>> anyOf = (List<Map<String, Object>>) schema.get("anyOf");
        if (anyOf != null && anyOf.stream().noneMatch(s -> validate(value, s).isEmpty())) {
            errors.add(path + ": matches none of anyOf " + anyOf);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> props = (Map<String, Object>) schema.get("properties");
            Object additional = schema.get("additionalProperties");
            boolean preserve = Boolean.TRUE.equals(schema.get("x-kubernetes-preserve-unknown-fields"));
            for (String req : (List<String>) schema.getOrDefault("required", List.of())) {
                if (!map.containsKey(req)) errors.add(path + ": missing required field " + req);
            }
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                String child = path + "." + key;
                if (props != null && props.containsKey(key)) {
                    check(e.getValue(), (Map<String, Object>) props.get(key), child, errors);
                } else if (additional instanceof Map<?, ?> a) {
                    check(e.getValue(), (Map<String, Object>) a, child, errors);
                } else if (!preserve && !Boolean.TRUE.equals(additional)) {
                    errors.add(child + ": unknown field");
                }
            }
        }
        if (value instanceof List<?> list && schema.get("items") instanceof Map<?, ?> items) {
            for (int i = 0; i < list.size(); i++) {
                check(list.get(i), (Map<String, Object>) items, path + "[" + i + "]", errors);
            }
        }
    }

    private static boolean hasType(Object v, String type) {
        return switch (type) {
            case "object" -> v instanceof Map;
            case "array" -> v instanceof List;
            case "string" -> v instanceof String;
            case "boolean" -> v instanceof Boolean;
            case "integer" -> isInteger(v);
            case "number" -> v instanceof Number;
            default -> throw new IllegalStateException("schema type not supported: " + type);
        };
    }

    private static boolean isInteger(Object v) {
        return v instanceof Integer || v instanceof Long || v instanceof BigInteger;
    }

    private static String describe(Object v) {
        return v.getClass().getSimpleName() + " '" + v + "'";
    }
}
