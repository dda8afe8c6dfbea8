package io.interflux.internal.metrics;

import io.interflux.MetricsRecorder;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a spec's {@code metrics(...)} choice becomes a recorder. Micrometer is optional: nothing
 * here loads one of its classes until a recorder is asked for and its presence is checked, so an
 * application that never turns metrics on need not have it.
 */
public final class Metering {

    /** The recorder of every spec that did not turn metrics on. */
    public static final MetricsRecorder NONE = new MetricsRecorder() {
        @Override
        public String toString() {
            return "MetricsRecorder.NONE";
        }
    };

    /** The class whose presence means micrometer-core is on the class path. */
    static final String MICROMETER_CLASS = "io.micrometer.core.instrument.MeterRegistry";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Metering() {
    }

    /** See {@link MetricsRecorder#micrometer(String, String)}. */
    public static MetricsRecorder micrometer(String mechanism, String name) {
        checkTags(mechanism, name);
        if (!micrometerPresent()) {
            throw new IllegalStateException("metrics need io.micrometer:micrometer-core on the class path (" + MICROMETER_CLASS
                    + " was not found); add it, or leave metrics off");
        }
        // resolved only now, after the check: a class path without Micrometer never loads it
        return MicrometerRecorder.of(mechanism, name);
    }

    /** Refuses a mechanism or name that is not a short fixed word: every distinct value is a new set of meters. */
    static void checkTags(String mechanism, String name) {
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(mechanism).matches()) {
            throw new IllegalArgumentException("a metrics mechanism must be 1 to 64 characters of [A-Za-z0-9._-], but it was '"
                    + mechanism + "'");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a metrics name must be 1 to 64 characters of [A-Za-z0-9._-] (a fixed name, "
                    + "not a path or an id), but it was '" + name + "'");
        }
    }

    /** The recorder a spec asked for by {@code metrics(enable)}: named after its mechanism, or none. */
    public static MetricsRecorder enabled(boolean enable, String mechanism) {
        return enable ? micrometer(mechanism, mechanism) : NONE;
    }

    /** A spec's own recorder, checked. */
    public static MetricsRecorder custom(MetricsRecorder recorder) {
        return Objects.requireNonNull(recorder, "recorder");
    }

    static boolean micrometerPresent() {
        try {
            Class.forName(MICROMETER_CLASS, false, Metering.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
