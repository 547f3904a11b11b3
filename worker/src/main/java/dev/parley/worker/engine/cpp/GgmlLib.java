package dev.parley.worker.engine.cpp;

import com.sun.jna.Library;

/** ggml's backend registry: loads the CPU backend variants (one per instruction-set level) found in a directory. */
public interface GgmlLib extends Library {

    void ggml_backend_load_all_from_path(String dir);
}
