//! The register-based virtual machine that runs compiled statements. (SQL/VDBE agent)
