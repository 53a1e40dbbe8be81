package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.ScaleProtoSegException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Shared frame of the subcommands: maps the errors a user can cause to exit code 1 with the
 * exception's message on stderr (no stack trace), and lets picocli's usage errors through (exit 2).
 *
 * <p>The mapping lives here rather than in an execution-exception handler so that it also holds
 * for a plain {@code new CommandLine(new ScaleProtoSegCli()).execute(args)}, as tests and
 * embedding applications call it.
 */
abstract class CommandBase implements Callable<Integer> {
    /** Exit code of a user error. */
    static final int USER_ERROR = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The command's work; returns the exit code. */
    abstract int execute() throws Exception;

    @Override
    public final Integer call() {
        try {
            return execute();
        } catch (CommandLine.ParameterException e) {
            throw e;
        } catch (UserError | VideoInputException | ScaleProtoSegException | IllegalArgumentException e) {
            // the messages of the SDK, trainer and exporter (one exception hierarchy) and their
            // IllegalArgumentExceptions for invalid settings are written for people: what went
            // wrong, with which file, and what to do
            err().println("error: " + e.getMessage());
            return USER_ERROR;
        } catch (IOException | UncheckedIOException e) {
            err().println("error: " + describe(e instanceof UncheckedIOException u ? u.getCause() : (IOException) e));
            return USER_ERROR;
        } catch (Exception e) {
            // anything else is a bug in this program: keep the trace for the report
            err().println("internal error: " + e);
            e.printStackTrace(err());
            return CommandLine.ExitCode.SOFTWARE;
        } finally {
            out().flush();
            err().flush();
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /**
     * Makes the output directory an option names, or says plainly why it cannot: {@code option} is
     * a file, or the directory cannot be created (permissions, a file on its path). Returns whether
     * this call created it (so that a command that writes nothing can remove it again).
     */
    static boolean outputDirectory(Path dir, String option) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserError(option + " " + dir + " is a file; give a directory");
        }
        boolean existed = Files.isDirectory(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserError(option + " " + dir + ": cannot create the directory (" + describe(e) + ")", e);
        }
        if (!Files.isWritable(dir)) {
            throw new UserError(option + " " + dir + ": the directory is not writable");
        }
        return !existed;
    }

    /** A sentence for an I/O failure; java.nio's exceptions carry only the path as message. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException n) {
            return "no such file or directory: " + n.getFile();
        }
        if (e instanceof AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof FileAlreadyExistsException f) {
            return "already exists (and is not a directory): " + f.getFile();
        }
        if (e instanceof NotDirectoryException d) {
            return "not a directory: " + d.getFile();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
