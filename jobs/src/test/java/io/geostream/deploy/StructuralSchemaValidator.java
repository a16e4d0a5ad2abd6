package io.geostream.deploy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates a custom resource against a CustomResourceDefinition's {@code openAPIV3Schema} with the
 * API server's structural-schema semantics and {@code kubectl apply --validate=strict}: types, enums,
 * required fields, int-or-string, patterns, bounds, unique items of set and map lists, and unknown fields rejected
 * unless the schema preserves them.
 * That is not plain JSON Schema (where unknown properties pass and {@code x-kubernetes-*} keywords are
 * ignored), hence this small validator instead of a generic one. It refuses a schema that uses a
 * keyword it does not implement, so a newer CRD cannot be half-checked silently.
 */
final class StructuralSchemaValidator {
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "items", "additionalProperties", "enum",
            "required", "anyOf", "description", "format", "nullable", "x-kubernetes-int-or-string",
            "x-kubernetes-preserve-unknown-fields", "pattern", "minimum", "maximum", "minLength", "maxLength",
            "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
            // The API server fills in defaults and merges by map type; neither makes a manifest invalid.
            "default", "x-kubernetes-map-type");

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
        if (value instanceof String text) {
            if (schema.get("pattern") instanceof String p && !Pattern.compile(p).matcher(text).find()) {
                errors.add(path + ": '" + text + "' does not match " + p);
            }
            if (schema.get("minLength") instanceof Number min && text.length() < min.intValue()) {
                errors.add(path + ": shorter than " + min);
            }
            if (schema.get("maxLength") instanceof Number max && text.length() > max.intValue()) {
                errors.add(path + ": longer than " + max);
            }
        }
        if (value instanceof Number number) {
            if (schema.get("minimum") instanceof Number min && number.doubleValue() < min.doubleValue()) {
                errors.add(path + ": " + number + " is below the minimum " + min);
            }
            if (schema.get("maximum") instanceof Number max && number.doubleValue() > max.doubleValue()) {
                errors.add(path + ": " + number + " is above the maximum " + max);
            }
        }
        if (value instanceof List<?> list && schema.get("x-kubernetes-list-type") instanceof String listType) {
            // set: items unique; map: items unique by their key fields
            List<String> keys = (List<String>) schema.getOrDefault("x-kubernetes-list-map-keys", List.of());
            Set<Object> seen = new HashSet<>();
            for (Object item : list) {
                Object identity = switch (listType) {
                    case "set" -> item;
                    case "map" -> keys.stream().map(k -> item instanceof Map<?, ?> m ? m.get(k) : null).toList();
                    case "atomic" -> null;
                    default -> throw new IllegalStateException("list type not supported: " + listType + " at " + path);
                };
                if (identity != null && !seen.add(identity)) errors.add(path + ": duplicate item " + identity + " in a " + listType + " list");
            }
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
