package io.scaleprotoseg.spark.internal;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.sdk.spi.FileDigest;
import io.scaleprotoseg.spark.SparkJobException;
import io.scaleprotoseg.spark.SparkJobOptions;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.SparkSession;

/**
 * A model file on its way to the executors: the driver checks it (it exists and carries a valid
 * card), hashes it and registers it with {@code SparkContext.addFile} under a name made of its
 * SHA-256, so that two models of the same file name never collide; each executor finds its copy
 * with {@link SparkFiles#get} and checks the hash before opening it.
 *
 * @param fileName the name the executors look the file up by
 * @param sha256 the SHA-256 of the file the driver shipped
 * @param driverPath the file on the driver, for messages
 * @param card the model card as the driver read it
 * @param options the job's options
 */
public record ModelShipment(String fileName, String sha256, String driverPath, ModelCard card, SparkJobOptions options)
        implements Serializable {

    /**
     * Checks the model of {@code options} on the driver and ships it to the executors of {@code spark}.
     *
     * @throws SparkJobException naming the file when it is missing or unreadable
     * @throws ScaleProtoSegException (a {@code ModelFormatException}) naming the file when it is not a
     *     valid model with a card
     */
    public static ModelShipment ship(SparkSession spark, SparkJobOptions options) throws ScaleProtoSegException {
        Path model = Path.of(options.model()).toAbsolutePath();
        if (!Files.isRegularFile(model)) {
            throw new SparkJobException(ErrorCode.MODEL_UNREADABLE, "model file " + model
                    + " does not exist or is not a regular file on the driver; give the path of an exported .onnx model");
        }
        ModelCard card = ModelCard.read(model);
        String sha;
        Path shipped;
        try {
            sha = FileDigest.sha256(model);
            Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "scaleprotoseg-spark-models"));
            shipped = dir.resolve(sha.substring(0, 16) + "-" + model.getFileName());
            if (!Files.isRegularFile(shipped) || !FileDigest.sha256(shipped).equals(sha)) {
                Path tmp = Files.createTempFile(dir, "model", ".part");
                Files.copy(model, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, shipped, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new SparkJobException(ErrorCode.MODEL_UNREADABLE, "model file " + model + " cannot be read or staged for "
                    + "the executors: " + e, e);
        }
        spark.sparkContext().addFile(shipped.toString());
        return new ModelShipment(shipped.getFileName().toString(), sha, model.toString(), card, options);
    }

    /**
     * The executor's copy of the model, checked against the driver's SHA-256.
     *
     * @throws SparkJobException naming the file, the executor and where it was expected when it is
     *     missing or differs from the driver's
     */
    public Path localCopy() throws SparkJobException {
        Path local;
        try {
            local = Path.of(SparkFiles.get(fileName));
        } catch (RuntimeException e) {
            throw new SparkJobException(ErrorCode.MODEL_UNREADABLE, missing("no Spark file root on this JVM (" + e + ")"), e);
        }
        if (!Files.isRegularFile(local)) {
            throw new SparkJobException(ErrorCode.MODEL_UNREADABLE, missing("expected at " + local));
        }
        try {
            String there = FileDigest.sha256(local);
            if (!there.equals(sha256)) {
                throw new SparkJobException(ErrorCode.MODEL_UNREADABLE, "model file " + local + " on executor " + host()
                        + " has SHA-256 " + there + " but the driver shipped " + driverPath + " with " + sha256
                        + "; a stale copy of another model is in the executor's file root: restart the application");
            }
        } catch (IOException e) {
            throw new SparkJobException(ErrorCode.MODEL_UNREADABLE, "model file " + local + " on executor " + host()
                    + " cannot be read: " + e, e);
        }
        return local;
    }

    private String missing(String where) {
        return "model file " + fileName + " (" + driverPath + " on the driver) is missing on executor " + host() + ": "
                + where + "; the driver ships it with SparkContext.addFile, so run the job through SparkSegmentation "
                + "(or give spark-submit --files " + driverPath + ")";
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "(unknown host)";
        }
    }
}
