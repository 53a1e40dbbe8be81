package io.scaleprotoseg.samples;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Output files written under temporary names beside their final ones ({@code .NAME.RANDOM.partial})
 * and renamed to their final names only once all are complete, so that a file with the final name
 * is always whole. Until then, {@link #close()} (after a failure) and a JVM stopped by Ctrl-C or
 * SIGTERM delete the temporary files; a killed process leaves them under their temporary names.
 * Not thread-safe.
 */
final class PendingOutputs implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Map<Path, Path> temporaryToFinal = new LinkedHashMap<>();
    private final Thread cleanupOnExit = new Thread(this::deleteTemporaries, "delete-partial-outputs");
    private boolean hooked;

    /** A temporary file (created empty) in {@code finalPath}'s folder, renamed to it by {@link #commit()}. */
    Path add(Path finalPath) throws IOException {
        Path dir = finalPath.toAbsolutePath().getParent();
        // created as any output is (the umask's permissions), unlike Files.createTempFile's owner-only files
        Path tmp;
        while (true) {
            String random = Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE);
            try {
                tmp = Files.createFile(dir.resolve("." + finalPath.getFileName() + "." + random + ".partial"));
                break;
            } catch (FileAlreadyExistsException taken) {
                // another run drew the same name: draw again
            }
        }
        synchronized (temporaryToFinal) {
            temporaryToFinal.put(tmp, finalPath);
        }
        if (!hooked) {
            Runtime.getRuntime().addShutdownHook(cleanupOnExit);
            hooked = true;
        }
        return tmp;
    }

    /** Renames every temporary file to its final name (replacing what is there), in the order added. */
    void commit() throws IOException {
        synchronized (temporaryToFinal) {
            for (Map.Entry<Path, Path> e : temporaryToFinal.entrySet()) {
                Files.move(e.getKey(), e.getValue(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            temporaryToFinal.clear();
        }
    }

    /** Deletes the temporary files not committed. */
    @Override
    public void close() {
        deleteTemporaries();
        if (hooked) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) anyway
            }
            hooked = false;
        }
    }

    private void deleteTemporaries() {
        synchronized (temporaryToFinal) {
            for (Path tmp : temporaryToFinal.keySet()) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // best effort: the name says it is partial
                }
            }
            temporaryToFinal.clear();
        }
    }
}
