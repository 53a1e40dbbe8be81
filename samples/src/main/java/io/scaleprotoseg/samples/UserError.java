package io.scaleprotoseg.samples;

/**
 * A problem the user can fix (a wrong file, a value that does not fit the data). The command line
 * prints its message alone, without a stack trace, and exits with code 1.
 */
public final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
