package io.scaleprotoseg.samples;

import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelKind;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Copies of records with some components replaced, by component name. The training settings
 * ({@code TrainingConfig}, {@code NetworkConfig}) are plain records that grow as the trainer does;
 * going through the canonical constructor by name keeps every component the command line does not
 * touch, including ones added after this command was written.
 */
final class Records {
    private Records() {
    }

    /** The component names of a record class, in declaration order. */
    static List<String> names(Class<? extends Record> type) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : type.getRecordComponents()) {
            out.add(c.getName());
        }
        return out;
    }

    /** The component of a record class by name, or null. */
    static RecordComponent component(Class<? extends Record> type, String name) {
        for (RecordComponent c : type.getRecordComponents()) {
            if (c.getName().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /**
     * A copy of {@code record} with the named components replaced. The record's own validation
     * runs; its {@link IllegalArgumentException} (a message for people) is passed on.
     *
     * @throws IllegalStateException when a name is not a component (a programming error)
     */
    @SuppressWarnings("unchecked")
    static <R extends Record> R with(R record, Map<String, ?> changes) {
        if (changes.isEmpty()) {
            return record;
        }
        Class<? extends Record> type = record.getClass();
        RecordComponent[] components = type.getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        Set<String> unused = new HashSet<>(changes.keySet());
        try {
            for (int i = 0; i < components.length; i++) {
                RecordComponent c = components[i];
                types[i] = c.getType();
                values[i] = changes.containsKey(c.getName()) ? changes.get(c.getName()) : c.getAccessor().invoke(record);
                unused.remove(c.getName());
            }
            if (!unused.isEmpty()) {
                throw new IllegalStateException(type.getSimpleName() + " has no component " + unused);
            }
            Constructor<? extends Record> canonical = type.getDeclaredConstructor(types);
            return (R) canonical.newInstance(values);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot copy " + type.getSimpleName() + ": " + e, e);
        }
    }

    /**
     * Parses a command-line value for a component: numbers, booleans, strings, the method and
     * ResNet depth by their spellings, int arrays and lists of numbers as comma-separated values.
     *
     * @throws IllegalArgumentException naming the component and the expected form
     */
    static Object parse(RecordComponent c, String text) {
        Class<?> t = c.getType();
        String v = text.strip();
        try {
            if (t == int.class || t == Integer.class) {
                return Integer.parseInt(v);
            }
            if (t == long.class || t == Long.class) {
                return Long.parseLong(v);
            }
            if (t == double.class || t == Double.class) {
                return Double.parseDouble(v);
            }
            if (t == float.class || t == Float.class) {
                return Float.parseFloat(v);
            }
            if (t == boolean.class || t == Boolean.class) {
                return switch (v.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "1" -> true;
                    case "false", "no", "0" -> false;
                    default -> throw new IllegalArgumentException("not true or false");
                };
            }
            if (t == String.class) {
                return v;
            }
            if (t == ModelKind.class) {
                return ModelKind.fromId(v);
            }
            if (t == ResNetLayout.Depth.class) {
                return ResNetLayout.Depth.parse(v);
            }
            if (t == int[].class) {
                return v.isEmpty() ? new int[0] : splitCommas(v).stream().mapToInt(Integer::parseInt).toArray();
            }
            if (t == List.class) {
                Type g = c.getGenericType();
                Type element = g instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : Object.class;
                List<Object> out = new ArrayList<>();
                for (String s : v.isEmpty() ? List.<String>of() : splitCommas(v)) {
                    out.add(element == Integer.class ? (Object) Integer.parseInt(s) : element == Double.class
                            ? (Object) Double.parseDouble(s) : s);
                }
                return out;
            }
            if (t.isEnum()) {
                for (Object constant : t.getEnumConstants()) {
                    if (((Enum<?>) constant).name().equalsIgnoreCase(v)) {
                        return constant;
                    }
                }
                throw new IllegalArgumentException("not one of " + List.of(t.getEnumConstants()));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(c.getName() + "=" + text + ": not a " + describe(c));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(c.getName() + "=" + text + ": " + e.getMessage());
        }
        throw new IllegalArgumentException(c.getName() + " (a " + t.getSimpleName() + ") cannot be set from the command line");
    }

    private static List<String> splitCommas(String v) {
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            out.add(s.strip());
        }
        return out;
    }

    private static String describe(RecordComponent c) {
        Class<?> t = c.getType();
        if (t == int[].class) {
            return "comma-separated list of integers";
        }
        if (t == List.class) {
            return "comma-separated list of numbers";
        }
        return t.getSimpleName().toLowerCase(Locale.ROOT);
    }
}
