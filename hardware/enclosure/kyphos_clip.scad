// kyphos clip: the enclosure worn over T2-T5, parametric (OpenSCAD 2021.01 or later).
//
//   openscad -o kyphos_base.stl -D 'part="base"' kyphos_clip.scad
//   openscad -o kyphos_lid.stl  -D 'part="lid"'  kyphos_clip.scad
//
// Frame (the kyphos sensor frame, docs/protocol.md): +x along the spine towards the head (the
// arrow on the lid), +y to the wearer's left, +z out of the back. The floor (z = 0) lies on the
// back; the IMU breakout sits flat on the floor, components up, its x arrow towards +x. The
// USB-C opening is at the -x (feet) end so a cable does not press on the neck.
//
// The clip is a spring tongue under the floor, joined at the head end and open towards the
// feet: slide it down over a bra band, a posture-strap or the neckline seam of a snug shirt.
// Two strap loops on the sides take a 25 mm elastic strap around the chest instead.
// Print: PETG, base floor-down with the tongue on supports (or tongue_support = true), lid
// top-down; 0.2 mm layers, 3 walls. All sizes in mm.

part = "all";            // "base", "lid" or "all" (both, side by side)

// --- what goes inside (check your parts; defaults: XIAO ESP32-S3 + Adafruit LSM6DSOX +
// 502535 400 mAh LiPo + 10 mm coin motor, stacked: LiPo on the floor, boards above)
inner_l = 46;            // along x
inner_w = 30;            // along y
inner_h = 14;            // along z
wall = 1.8;
floor_t = 1.6;
corner_r = 4;
lid_t = 1.6;             // lid plate
lid_lip = 2.0;           // lip depth into the box
fit = 0.25;              // clearance of lid lip in the box, per side

// --- openings
usb_w = 10;              // USB-C receptacle cut-out (XIAO's is 8.9 x 3.2)
usb_h = 4.5;
usb_z = 9;               // centre height of the USB port above the inner floor
button_d = 3.5;          // hole above the BOOT button (a toothpick presses it)
button_pos = [-15, -5];  // x, y of the button hole from the lid centre
led_d = 2.0;             // light hole above the user LED
led_pos = [-15, 5];

// --- wearing
clip = true;             // spring tongue under the floor
clip_len = 34;           // tongue length from its root at the head end
clip_w = 16;
clip_t = 2.0;
clip_gap = 2.2;          // opening between floor and tongue (garment thickness)
clip_bump = 0.9;         // retaining bump at the tongue's free end
strap_loops = true;      // loops for a 25 mm elastic strap (along y, around the chest)
strap_w = 26;
strap_t = 3.2;

arrow = true;            // raised arrow on the lid pointing to +x (the head)
$fn = 32;

outer_l = inner_l + 2 * wall;
outer_w = inner_w + 2 * wall;
outer_h = inner_h + floor_t;

module rounded_box(l, w, h, r) {
    hull() for (sx = [-1, 1], sy = [-1, 1])
        translate([sx * (l / 2 - r), sy * (w / 2 - r), 0]) cylinder(r = r, h = h);
}

module base() {
    difference() {
        rounded_box(outer_l, outer_w, outer_h, corner_r);
        translate([0, 0, floor_t]) rounded_box(inner_l, inner_w, outer_h, corner_r - wall / 2);
        // USB-C at the feet end
        translate([-outer_l / 2 - 1, -usb_w / 2, floor_t + usb_z - usb_h / 2])
            cube([wall + 2, usb_w, usb_h]);
    }
    if (clip) clip_tongue();
    if (strap_loops) for (s = [-1, 1]) strap_loop(s);
}

module clip_tongue() {
    // root block at the head end, then the tongue running towards the feet under the floor
    root_l = 5;
    translate([outer_l / 2 - corner_r - root_l, -clip_w / 2, -clip_gap])
        cube([root_l, clip_w, clip_gap + 0.01]);
    translate([outer_l / 2 - corner_r - clip_len, -clip_w / 2, -clip_gap - clip_t])
        cube([clip_len, clip_w, clip_t]);
    // bump at the free end, towards the floor, keeps the garment in
    translate([outer_l / 2 - corner_r - clip_len + 2, 0, -clip_gap])
        rotate([90, 0, 0]) cylinder(r = clip_bump, h = clip_w, center = true);
}

module strap_loop(side) {
    // a bridge on each long side; the strap runs along y through both bridges
    bar = 2.4;
    translate([-strap_w / 2 - bar, side * (outer_w / 2) - (side > 0 ? 0 : strap_t + bar), 0])
        difference() {
            cube([strap_w + 2 * bar, strap_t + bar, floor_t + 3]);
            translate([bar, side > 0 ? 0 : bar, -1]) cube([strap_w, strap_t, floor_t + 5]);
        }
}

module lid() {
    difference() {
        union() {
            rounded_box(outer_l, outer_w, lid_t, corner_r);
            translate([0, 0, lid_t])
                difference() {
                    rounded_box(inner_l - 2 * fit, inner_w - 2 * fit, lid_lip,
                                corner_r - wall / 2 - fit);
                    translate([0, 0, -1]) rounded_box(inner_l - 2 * fit - 2 * 1.2,
                                                      inner_w - 2 * fit - 2 * 1.2, lid_lip + 2,
                                                      max(corner_r - wall / 2 - fit - 1.2, 0.5));
                }
        }
        translate([button_pos[0], button_pos[1], -1]) cylinder(d = button_d, h = lid_t + 2);
        translate([led_pos[0], led_pos[1], -1]) cylinder(d = led_d, h = lid_t + 2);
    }
    // Arrow on the outside face (z = 0 of the lid is the outside when printed top-down,
    // so it is mirrored in y to read correctly when worn)
    if (arrow) translate([4, 0, -0.6]) mirror([0, 1, 0]) linear_extrude(0.6) arrow_shape();
}

module arrow_shape() {
    polygon([[12, 0], [2, 8], [2, 3.5], [-12, 3.5], [-12, -3.5], [2, -3.5], [2, -8]]);
}

if (part == "base") base();
else if (part == "lid") lid();
else {
    base();
    translate([0, outer_w + 20, 0]) lid();
}
