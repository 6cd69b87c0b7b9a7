"""The kernel ``bplearn grade`` and ``bplearn progress`` run notebooks in: an ipykernel with limits.

    python -m bplearn.course.sandbox -f CONNECTION_FILE

Before ipykernel starts, the address space is limited to BPLEARN_KERNEL_MEMORY bytes (RLIMIT_AS),
so an allocation beyond it fails with MemoryError instead of taking the machine's memory, and core
dumps are off.  Child processes inherit the limits.
"""

import os
import resource


def apply_limits():
    limit = int(os.environ.get("BPLEARN_KERNEL_MEMORY", "0") or 0)
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


if __name__ == "__main__":
    apply_limits()
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()
