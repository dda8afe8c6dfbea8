package io.interflux.internal;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** The checks every named object's spec makes of its name, with the same wording everywhere. */
public final class Names {

    private Names() {
    }

    /**
     * A POSIX object name ({@code mq_open}, {@code shm_open}): a {@code '/'} then 1 to
     * {@code maxBytes} bytes of UTF-8 with no further {@code '/'} or NUL, and not {@code "."} or
     * {@code ".."}.
     *
     * @param what the object's kind for the error, {@code "a POSIX queue"}
     * @throws IllegalArgumentException naming the rule and the name
     */
    public static String posix(String name, int maxBytes, String what) {
        Objects.requireNonNull(name, "name");
        if (name.length() < 2 || name.charAt(0) != '/' || name.indexOf('/', 1) >= 0
                || name.equals("/.") || name.equals("/..") || name.indexOf('\0') >= 0
                || name.getBytes(StandardCharsets.UTF_8).length - 1 > maxBytes) {
            throw new IllegalArgumentException(what + " name is '/' followed by 1 to " + maxBytes
                    + " bytes (UTF-8, so fewer characters outside ASCII) with no '/' or NUL, and not \".\" or \"..\","
                    + " but it was \"" + name + "\"");
        }
        return name;
    }
}
