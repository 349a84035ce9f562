package io.noiselens.job;

import io.noiselens.config.JobConfig;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.col;

/**
 * {@code noiselens ingest}: an ImageNet-layout folder with its box annotations, written as a Parquet dataset of
 * encoded images ({@link ImageSource#FILES}) that {@code dataset.kind = parquet} reads. A scan of loose JPEGs packs
 * a few hundred files per task at best (Spark's per-file open cost; DESIGN.md §8); this table has
 * {@code ingest.images_per_file} images per file in row groups of {@link #ROW_GROUP_BYTES}, so an ImageNet-scale
 * dataset is a few hundred to a few thousand tasks. Images are not decoded here: bad files are carried as they
 * are and quarantined by the job, which names them.
 */
public final class Ingest {
    /** Parquet row-group size: ~600 ImageNet JPEGs, the unit a task reads. */
    public static final long ROW_GROUP_BYTES = 64L << 20;

    /** What was written. */
    public record Outcome(String output, long images, int files, long annotated) {}

    private Ingest() {}

    public static Outcome run(SparkSession spark, JobConfig.Ingest cfg) {
        ImageSource.Images listed = ImageSource.files(spark, cfg.dataset());
        Dataset<Row> files = listed.rows();
        long images = listed.count();
        int parts = (int) Math.max(1, (images + cfg.imagesPerFile() - 1) / cfg.imagesPerFile());
        files.repartitionByRange(parts, col("image_id")).sortWithinPartitions("image_id").write().mode(SaveMode.Overwrite)
                .option("parquet.block.size", ROW_GROUP_BYTES).parquet(cfg.output());
        long annotated = spark.read().parquet(cfg.output()).where("annotation IS NOT NULL OR boxes IS NOT NULL").count();
        return new Outcome(cfg.output(), images, parts, annotated);
    }
}
