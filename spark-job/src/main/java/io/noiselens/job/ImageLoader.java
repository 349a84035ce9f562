package io.noiselens.job;

import io.noiselens.config.JobConfig;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.image.ImageDecoder;
import io.noiselens.model.ModelSpec;
import org.apache.spark.sql.Row;

/**
 * Turns a dataset row ({@link ImageSource#SCHEMA}) into the model's input: the built-in image generated from its
 * index (with its object mask), or the file decoded, resized to the model's input and normalised. A failure names
 * its stage (dataset, decode, preprocess) for the errors table.
 */
final class ImageLoader {
    /** A model-space C×H×W input and its mask (null when the dataset has none). */
    record Loaded(float[] input, boolean[] mask) {}

    /** Why a row could not become an input, and at which stage. */
    static final class Failure extends Exception {
        final String stage;

        Failure(String stage, Throwable cause) {
            super(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
            this.stage = stage;
        }
    }

    private final JobConfig config;
    private final ModelSpec spec;
    private final SyntheticShapes synthetic;

    ImageLoader(JobConfig config, ModelSpec spec) {
        this.config = config;
        this.spec = spec;
        this.synthetic = config.dataset().builtin() ? new SyntheticShapes(config.dataset().builtinSeed(), spec.height()) : null;
    }

    Loaded load(Row r) throws Failure {
        float[] x;
        boolean[] mask = null;
        if (synthetic != null) {
            LabeledImage img = synthetic.image("eval", r.getLong(r.fieldIndex("index")));
            x = img.pixels().clone();
            mask = img.mask();
        } else {
            if (r.isNullAt(r.fieldIndex("label"))) {
                throw new Failure("dataset", new IllegalArgumentException("the file is not inside a class directory of "
                        + config.dataset().folderPath() + "; expected root/<class>/<file>"));
            }
            ImageDecoder.Decoded d;
            try {
                d = ImageDecoder.decode((byte[]) r.get(r.fieldIndex("content")), spec.channels(), config.dataset().maxPixels());
            } catch (ImageDecoder.BadImageException | RuntimeException e) {
                throw new Failure("decode", e);
            }
            try {
                x = ImageDecoder.resize(d.pixels(), d.channels(), d.height(), d.width(), spec.height(), spec.width());
            } catch (RuntimeException e) {
                throw new Failure("preprocess", e);
            }
        }
        spec.preprocessing().normaliseInPlace(x, spec.height() * spec.width());
        return new Loaded(x, mask);
    }
}
