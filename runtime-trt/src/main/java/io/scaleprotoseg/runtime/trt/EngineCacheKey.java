package io.scaleprotoseg.runtime.trt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a serialised TensorRT engine depends on. Two keys are equal exactly when an engine
 * built for one may be loaded for the other: the model's bytes (SHA-256), the GPU model and its
 * compute capability, the TensorRT library version, the precision, the optimisation profile, the
 * outputs the engine computes and the build settings (workspace, builder optimisation level).
 *
 * @param modelSha256 lower-case hex SHA-256 of the ONNX file
 * @param gpuName the device name CUDA reports, e.g. {@code NVIDIA A10G}
 * @param computeCapability {@code major.minor}, e.g. {@code 8.6}
 * @param tensorRtVersion the loaded TensorRT library's {@code major.minor.patch.build}
 * @param precision the build precision
 * @param profile the optimisation profile
 * @param outputs the ONNX names of the computed outputs, comma-separated in the model contract's order
 * @param workspaceBytes the workspace pool limit (0 = TensorRT's default)
 * @param builderOptimizationLevel 0..5, or -1 for TensorRT's default
 */
public record EngineCacheKey(String modelSha256, String gpuName, String computeCapability, String tensorRtVersion,
        Precision precision, ShapeProfile profile, String outputs, long workspaceBytes, int builderOptimizationLevel) {

    /** Version of this key's layout; part of every key, so that a layout change invalidates old entries. */
    public static final String LAYOUT = "1";

    public EngineCacheKey {
        Objects.requireNonNull(modelSha256, "modelSha256");
        Objects.requireNonNull(gpuName, "gpuName");
        Objects.requireNonNull(computeCapability, "computeCapability");
        Objects.requireNonNull(tensorRtVersion, "tensorRtVersion");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(outputs, "outputs");
        if (!modelSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("modelSha256 must be 64 lower-case hex digits, got '" + modelSha256 + "'");
        }
    }

    /** The key as ordered {@code name -> value} fields, as written into a cache entry's header. */
    public Map<String, String> fields() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("key.layout", LAYOUT);
        m.put("model.sha256", modelSha256);
        m.put("gpu.name", gpuName);
        m.put("gpu.compute_capability", computeCapability);
        m.put("tensorrt.version", tensorRtVersion);
        m.put("precision", precision.id());
        m.put("profile.min", profile.min().text());
        m.put("profile.opt", profile.opt().text());
        m.put("profile.max", profile.max().text());
        m.put("outputs", outputs);
        m.put("workspace.bytes", Long.toString(workspaceBytes));
        m.put("builder.optimization_level", Integer.toString(builderOptimizationLevel));
        return Collections.unmodifiableMap(m);
    }

    /** SHA-256 (hex) of the canonical text of {@link #fields()}. */
    public String digest() {
        StringBuilder sb = new StringBuilder();
        fields().forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sha256Hex(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The cache file name: {@code <first 16 hex of the model hash>-<precision>-<first 20 hex of
     * the key digest>.engine}. The model prefix and precision are for people; the digest decides.
     */
    public String fileName() {
        return modelSha256.substring(0, 16) + "-" + precision.id() + "-" + digest().substring(0, 20) + ".engine";
    }

    /** A file-name-safe tag of the GPU and TensorRT version, e.g. {@code nvidia-a10g-sm86-trt10.15.1.29}. */
    public String gpuTag() {
        return gpuTag(gpuName, computeCapability, tensorRtVersion);
    }

    /** See {@link #gpuTag()}. */
    public static String gpuTag(String gpuName, String computeCapability, String tensorRtVersion) {
        String name = gpuName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
        return (name.isEmpty() ? "gpu" : name) + "-sm" + computeCapability.replace(".", "") + "-trt" + tensorRtVersion;
    }

    /** Lists the fields in which {@code other} differs from this key, as {@code name: 'mine' vs 'theirs'}. */
    public List<String> differences(Map<String, String> other) {
        List<String> out = new ArrayList<>();
        fields().forEach((k, v) -> {
            String o = other.get(k);
            if (!v.equals(o)) {
                out.add(k + " '" + (o == null ? "(missing)" : o) + "' (this host needs '" + v + "')");
            }
        });
        return out;
    }

    /** The SHA-256 of a file, as lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest sha = newSha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The SHA-256 of bytes, as lower-case hex. */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(newSha256().digest(bytes));
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
