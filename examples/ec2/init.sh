#!/bin/busybox sh
# /init of the EC2 image's root: say what the instance looks like, then power off (which terminates it).
/bin/busybox --install -s /bin
echo "init: started"
mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev 2>/dev/null
uname -a
echo "root: $(grep ' / ' /proc/mounts)"
ls /sys/block
ip link
echo "BOOTWATCH-DONE"
poweroff -f
