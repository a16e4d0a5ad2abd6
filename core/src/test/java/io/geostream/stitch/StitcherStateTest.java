package io.geostream.stitch;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class StitcherStateTest {

    /** Every field but the held frames is copied: a field added to the state and not to the copy fails here. */
    @Test
    void theCopyWithoutHeldFramesKeepsEveryOtherField() throws Exception {
        StitcherState s = new StitcherState();
        int n = 0;
        for (Field f : StitcherState.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            f.set(s, distinctValue(f.getType(), ++n));
        }
        s.heldForCorrection.add(new CorrectableFrame());
        StitcherState c = s.withoutHeldForCorrection();
        for (Field f : StitcherState.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            if (f.getName().equals("heldForCorrection")) {
                assertThat(c.heldForCorrection).isNull();
                assertThat(s.heldForCorrection).hasSize(1);
            } else {
                if (f.getType().isPrimitive()) assertThat(f.get(c)).as(f.getName()).isEqualTo(f.get(s));
                else assertThat(f.get(c)).as(f.getName()).isSameAs(f.get(s));
            }
        }
    }

    /** A value of {@code type}, never the field's default; references distinct per field. */
    private static Object distinctValue(Class<?> type, int n) {
        if (type == boolean.class) return Boolean.TRUE;
        if (type == long.class) return (long) n + 1000;
        if (type == int.class) return n + 1000;
        if (type == double[].class) return new double[] {n};
        if (type == String.class) return "value " + n;
        if (type == ArrayList.class) return new ArrayList<>();
        if (type.isEnum()) return type.getEnumConstants()[0];
        throw new AssertionError("no test value for a field of type " + type + ": add one");
    }
}
