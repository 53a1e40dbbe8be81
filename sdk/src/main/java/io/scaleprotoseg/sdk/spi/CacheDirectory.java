package io.scaleprotoseg.sdk.spi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A cache directory (optimised graphs, TensorRT engines) is trusted state: whatever it holds is
 * loaded into the process as a compiled model. So it must belong to the user running the process and
 * be writable by nobody else; otherwise another local user could plant an engine. A missing directory
 * is created private ({@code rwx------}). On file systems without POSIX permissions nothing can be
 * checked and the directory is used as it is. Stateless; thread-safe.
 */
public final class CacheDirectory {
    /** The backend option that turns the refusal of a shared directory into a warning. */
    public static final String ALLOW_SHARED = "cache.allow_shared";
    /** The system property that does the same for every cache of the process. */
    public static final String ALLOW_SHARED_PROPERTY = "scaleprotoseg.cache.allow_shared";

    private CacheDirectory() {
    }

    /**
     * Creates {@code dir} if needed and checks that it is private to this user.
     *
     * @param what what the cache holds, for messages (e.g. "TensorRT engine cache")
     * @param allowShared whether a shared directory is accepted (the caller then warns)
     * @return null when the directory is private, else what is wrong with it (only with {@code allowShared})
     * @throws IOException when it cannot be created, or is shared and {@code allowShared} is false (the
     *     message names the directory, the problem and the option)
     */
    public static String prepare(Path dir, String what, boolean allowShared) throws IOException {
        allowShared |= Boolean.getBoolean(ALLOW_SHARED_PROPERTY);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectory(dir);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // created meanwhile by another process: checked below like any existing directory
            }
        }
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        if (view == null) {
            return null;
        }
        PosixFileAttributes a = view.readAttributes();
        String problem = null;
        if (!a.isDirectory()) {
            throw new IOException(what + " " + dir + " is not a directory");
        }
        Set<PosixFilePermission> p = a.permissions();
        String user = System.getProperty("user.name");
        if (p.contains(PosixFilePermission.OTHERS_WRITE) || p.contains(PosixFilePermission.GROUP_WRITE)) {
            problem = "other users can write to it (permissions " + PosixFilePermissions.toString(p) + ")";
        } else if (user != null && !a.owner().getName().equals(user)) {
            problem = "it belongs to " + a.owner().getName() + ", not to " + user;
        }
        if (problem != null && !allowShared) {
            throw new IOException(what + " " + dir + " is not private: " + problem + "; anything in it is loaded as a compiled "
                    + "model, so use a directory only you can write (chmod 700), or accept the risk with the backend option "
                    + ALLOW_SHARED + "=true or -D" + ALLOW_SHARED_PROPERTY + "=true");
        }
        return problem;
    }
}
