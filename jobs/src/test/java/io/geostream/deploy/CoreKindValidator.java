package io.geostream.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates core Kubernetes objects offline with the fabric8 kubernetes-model classes, which are
 * generated from the Kubernetes API's OpenAPI definitions: the document must bind to the typed class of
 * its apiVersion/kind, with no scalar coercion (a number where the API wants a string fails, as the API
 * server's decoder does) and no field the model does not know (the models keep unknown fields in
 * {@code additionalProperties}, which is where a misspelt or misplaced field ends up).
 */
final class CoreKindValidator {
    private static final List<Class<? extends HasMetadata>> KINDS = List.of(ConfigMap.class, Secret.class, Service.class,
            ServiceAccount.class, PersistentVolumeClaim.class, StatefulSet.class, Deployment.class, Job.class);

    private static final ObjectMapper MAPPER = strictMapper();

    private CoreKindValidator() {}

    /** apiVersion + "/" + kind of the supported core kinds. */
    static Map<String, Class<? extends HasMetadata>> kinds() {
        Map<String, Class<? extends HasMetadata>> out = new LinkedHashMap<>();
        for (Class<? extends HasMetadata> c : KINDS) out.put(HasMetadata.getApiVersion(c) + "/" + HasMetadata.getKind(c), c);
        return out;
    }

    /** Errors of one manifest document; an unsupported apiVersion/kind is an error too. */
    static List<String> validate(Map<String, Object> doc) {
        String key = doc.get("apiVersion") + "/" + doc.get("kind");
        Class<? extends HasMetadata> type = kinds().get(key);
        if (type == null) return List.of("unsupported apiVersion/kind " + key + "; supported: " + kinds().keySet());
        return validateAs(doc, type);
    }

    /** Errors of {@code value} bound to {@code type} (also for embedded objects such as a pod template). */
    static List<String> validateAs(Object value, Class<?> type) {
        Object typed;
        try {
            typed = MAPPER.convertValue(value, type);
        } catch (IllegalArgumentException e) {
            return List.of(type.getSimpleName() + ": " + e.getMessage());
        }
        List<String> errors = new ArrayList<>();
        unknownFields(typed, type.getSimpleName(), errors);
        return errors;
    }

    static ObjectMeta metadata(Object value) {
        return MAPPER.convertValue(value, ObjectMeta.class);
    }

    static <T> T bind(Object value, Class<T> type) {
        return MAPPER.convertValue(value, type);
    }

    private static ObjectMapper strictMapper() {
        ObjectMapper m = new ObjectMapper();
        for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean)) {
            m.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        for (LogicalType t : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        return m;
    }

    /** Walks the typed object graph and reports every non-empty additionalProperties with its path. */
    private static void unknownFields(Object o, String path, List<String> errors) {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Enum<?>) return;
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) unknownFields(e, path + "[" + i++ + "]", errors);
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) unknownFields(e.getValue(), path + "." + e.getKey(), errors);
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) return;
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || Modifier.isStatic(g.getModifiers()) || g.getDeclaringClass() == Object.class
                    || !(g.getName().startsWith("get") || g.getName().startsWith("is")) || g.getReturnType().isPrimitive()) {
                continue;
            }
            Object child;
            try {
                child = g.invoke(o);
            } catch (IllegalAccessException e) {
                continue;
            } catch (InvocationTargetException e) { // e.g. Quantity.getNumericalAmount on "16x"
                errors.add(path + "." + g.getName() + ": " + e.getCause());
                continue;
            }
            if (g.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    for (Object k : extra.keySet()) errors.add(path + "." + k + ": unknown field");
                }
            } else {
                String name = g.getName().startsWith("is") ? g.getName().substring(2) : g.getName().substring(3);
                unknownFields(child, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), errors);
            }
        }
    }
}
