package io.interflux.internal.drain;

/**
 * The kernel calls one pass of a drain may make before it hands the rest of its work on, so a
 * fast stream with unbounded demand can neither monopolise a loop thread nor keep a subscriber's
 * thread inside {@code request}. Every drain, receiving or sending, of every transport, has the
 * same budget: {@value #CALLS_PER_PASS} calls.
 *
 * <p>A {@link MessageSource} or {@link MessageSink} spends one unit before each kernel call it
 * makes; when {@link #spend()} refuses, it makes no call and answers "nothing now", and the
 * drain, seeing the budget {@linkplain #exhausted() exhausted}, resumes through its readiness
 * ({@link Readiness#resume(Runnable)}) instead of waiting for an event. Used by one drain pass at a
 * time.
 */
public final class WorkBudget {

    /** Kernel calls per drain pass. */
    public static final int CALLS_PER_PASS = 16;

    private int left = CALLS_PER_PASS;

    /** Starts a pass with the whole budget. */
    void reset() {
        left = CALLS_PER_PASS;
    }

    /** Takes one kernel call from the budget: {@code false} when the pass has none left, and makes none. */
    public boolean spend() {
        if (left > 0) {
            left--;
            return true;
        }
        left = -1;
        return false;
    }

    /** Whether a call was refused in this pass. */
    public boolean exhausted() {
        return left < 0;
    }
}
