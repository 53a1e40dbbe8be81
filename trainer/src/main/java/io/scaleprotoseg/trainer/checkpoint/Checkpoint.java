package io.scaleprotoseg.trainer.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.scaleprotoseg.trainer.model.ParamGroup;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.optim.Adam;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A training checkpoint: one zip file holding {@code state.json} (whatever the training loop
 * needs to continue: phase, step, prototype table and sources, configuration, best score),
 * {@code params.safetensors} (every parameter by name, with its group), {@code adam.bin} (the
 * optimiser's moments and step counts) and {@code patches/ID.png} (prototype patches).
 *
 * <p>Written atomically: to a temporary file in the same directory, then renamed over the target,
 * so a process killed at any moment leaves either the previous checkpoint or the new one, never a
 * torn file. Randomness needs no saved state: every random draw of training is derived from the
 * run seed and the step number.
 */
public final class Checkpoint {
    /** The time stamped on every zip entry (1 January 2000, UTC), so that files depend on their contents only. */
    static final long ENTRY_TIME = 946_684_800_000L;
    /** Bumped when the layout changes incompatibly. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    /** Tolerates keys added by later versions of the same format. */
    private static final ObjectMapper STATE_READER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private Checkpoint() {
    }

    /** What a checkpoint holds besides tensors. */
    public record Contents(CheckpointState state, Map<String, byte[]> patches) {
    }

    /**
     * Writes a checkpoint atomically; the state's format version and parameter groups are set
     * here from {@link #FORMAT_VERSION} and {@code params}.
     */
    public static void write(Path file, CheckpointState state, ParameterSet params, Adam adam, Map<String, byte[]> patches)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        // createTempFile makes the file private (0600); a model or checkpoint is an ordinary file (0644)
        if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        }
        try {
            try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
                // everything in name order, and entries with a fixed time: the same state gives the same bytes
                List<String> names = new ArrayList<>(params.names());
                Collections.sort(names);
                Map<String, String> groups = new LinkedHashMap<>();
                for (String n : names) {
                    groups.put(n, params.group(n).name());
                }
                CheckpointState s = new CheckpointState(FORMAT_VERSION, state.config(), state.phase(), state.phaseStep(),
                        state.bestMiou(), state.dataset(), state.classes(), state.prototypes(), state.projection(),
                        state.pruned(), state.inactivePrototypes(), state.stage(), state.lastValidation(), groups,
                        state.metricsBytes());
                put(zip, "state.json", JSON.writeValueAsBytes(s));
                try (NDManager m = params.manager().newSubManager()) {
                    NDList list = new NDList();
                    for (String n : names) {
                        NDArray a = m.create(params.floats(n), new Shape(params.shape(n)));
                        a.setName(n);
                        list.add(a);
                    }
                    putStored(zip, "params.safetensors", list.encode(NDList.Encoding.SAFETENSORS));
                }
                if (adam != null) {
                    // written straight into the entry (deflate's stored blocks, so no size and checksum are
                    // needed first): a buffered copy of the moments took twice their size on the Java heap
                    ZipEntry e = new ZipEntry("adam.bin");
                    e.setTime(ENTRY_TIME);
                    zip.setLevel(Deflater.NO_COMPRESSION);
                    zip.putNextEntry(e);
                    adam.save(zip);
                    zip.closeEntry();
                    zip.setLevel(Deflater.DEFAULT_COMPRESSION);
                }
                for (Map.Entry<String, byte[]> p : new TreeMap<>(patches).entrySet()) {
                    put(zip, "patches/" + p.getKey() + ".png", p.getValue());
                }
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTime(ENTRY_TIME);
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /**
     * An entry written without compression: float tensors shrink by a few percent under deflate,
     * which took most of a checkpoint write at the paper's scale (ResNet-101 weights and Adam
     * moments, about 0.5 GB: measured with {@code TrainingRunner}). Readers need no change.
     */
    private static void putStored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTime(ENTRY_TIME);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /**
     * Reads a checkpoint: fills {@code params} (replacing every parameter with the stored one, in
     * the stored groups) and {@code adam} (when given), and returns the state and patches.
     *
     * @throws CheckpointException naming the file and what is wrong with it
     */
    public static Contents read(Path file, ParameterSet params, Adam adam) throws CheckpointException {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("checkpoint " + file + " does not exist");
        }
        Map<String, byte[]> entries = new HashMap<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (IOException e) {
            throw new CheckpointException("checkpoint " + file + " cannot be read (" + e.getMessage() + ")", e);
        }
        byte[] stateBytes = entries.get("state.json");
        byte[] paramBytes = entries.get("params.safetensors");
        if (stateBytes == null || paramBytes == null) {
            throw new CheckpointException("checkpoint " + file + " is incomplete: it lacks "
                    + (stateBytes == null ? "state.json" : "params.safetensors"));
        }
        CheckpointState state = parseState(file, stateBytes);
        Map<String, String> groups = state.parameterGroups();
        try (NDManager m = params.manager().newSubManager()) {
            NDList list = NDList.decode(m, new ByteArrayInputStream(paramBytes));
            for (String n : params.names()) {
                params.remove(n);
            }
            for (NDArray a : list) {
                String n = a.getName();
                String g = groups.get(n);
                if (g == null) {
                    throw new CheckpointException("checkpoint " + file + ": tensor '" + n + "' has no parameter group");
                }
                float[] values = a.toType(DataType.FLOAT32, false).toFloatArray();
                int bad = 0;
                for (float v : values) {
                    if (!Float.isFinite(v)) {
                        bad++;
                    }
                }
                if (bad > 0) {
                    // a file that reads but holds NaN or infinity would give meaningless results quietly
                    throw new CheckpointException("checkpoint " + file + " holds non-finite values in tensor '" + n + "' ("
                            + bad + " of " + values.length + " are NaN or infinite); it cannot be used: resume from an "
                            + "earlier checkpoint (checkpoints/best.ckpt, stage1.ckpt) or train anew");
                }
                params.add(n, ParamGroup.valueOf(g), values, a.getShape().getShape());
            }
        } catch (RuntimeException e) {
            throw new CheckpointException("checkpoint " + file + " has unreadable tensors: " + e.getMessage(), e);
        }
        if (adam != null) {
            byte[] adamBytes = entries.get("adam.bin");
            if (adamBytes == null) {
                adam.clear();
            } else {
                try {
                    adam.load(new ByteArrayInputStream(adamBytes));
                } catch (IOException | RuntimeException e) {
                    throw new CheckpointException("checkpoint " + file + " has an unreadable optimiser state ("
                            + e.getMessage() + ")", e);
                }
            }
        }
        Map<String, byte[]> patches = new LinkedHashMap<>();
        entries.forEach((name, data) -> {
            if (name.startsWith("patches/") && name.endsWith(".png")) {
                patches.put(name.substring("patches/".length(), name.length() - 4), data);
            }
        });
        return new Contents(state, patches);
    }

    /**
     * Reads only the state of a checkpoint (no tensors), for commands that inspect a run.
     *
     * @throws CheckpointException naming the file when it is missing, not a checkpoint, or of
     *     another format version
     */
    public static CheckpointState readState(Path file) throws CheckpointException {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("checkpoint " + file + " does not exist");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry e = zip.getEntry("state.json");
            if (e == null) {
                throw new CheckpointException("checkpoint " + file + " is incomplete: it lacks state.json");
            }
            try (InputStream in = zip.getInputStream(e)) {
                return parseState(file, in.readAllBytes());
            }
        } catch (IOException e) {
            throw new CheckpointException("checkpoint " + file + " cannot be read (" + e.getMessage() + ")", e);
        }
    }

    private static CheckpointState parseState(Path file, byte[] bytes) throws CheckpointException {
        JsonNode tree;
        try {
            tree = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new CheckpointException("checkpoint " + file + " has an unreadable state.json: " + e.getMessage(), e);
        }
        JsonNode version = tree == null ? null : tree.get("formatVersion");
        if (version == null || !version.isInt() || version.intValue() != FORMAT_VERSION) {
            throw new CheckpointException("checkpoint " + file + " has format version " + version + "; this trainer reads "
                    + FORMAT_VERSION);
        }
        try {
            return STATE_READER.treeToValue(tree, CheckpointState.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException("checkpoint " + file + " has an inconsistent state.json: " + e.getMessage(), e);
        }
    }

    /** The Jackson mapper checkpoints use, for converting state values back to records. */
    public static ObjectMapper json() {
        return JSON;
    }
}
