"""Domain-randomised indoor scenes, ray-cast with numpy: geo-nano's training-set renderer.

Deterministic from a seed (numpy's PCG64 via ``np.random.default_rng``). Nothing here imports torch, so the
writer runs in any Python with numpy (and Pillow for JPEG artefacts).

Conventions (as ``docs/model-contract.md``): world +z up; camera optical frame +x right, +y down, +z forward;
``world_from_camera`` is (R, t) with ``p_world = R @ p_cam + t``. A clip's truth is expressed in its FIRST
frame's camera coordinates, points and normals alike (the contract: "all in the camera frame of the clip's
first frame"); normals face the camera that sees them.

What is randomised, and why (the issue's list): field of view 45-90 deg horizontal with a held-out band
(55-65 deg: the Java ``SyntheticScene`` that ``eval model`` uses has 60 deg), the source aspect ratio (the
package stretches every frame to its input size, so fx != fy after the stretch), room size and shape
(partition walls, pillars), object count and shape (boxes, spheres, vertical cylinders, with yaw), textures
(solid = textureless, checker / stripes = repetitive, value noise, mixtures), lighting (direction, ambient,
a point light) and exposure, camera speed, trajectory kind (WALK, HANDHELD, PAN; ORBIT is held out), motion
blur (sub-frame renders averaged), sensor noise, JPEG artefacts.
"""

import io
import math

import numpy as np

try:
    from PIL import Image
except ImportError:  # JPEG artefacts need Pillow; everything else works without it
    Image = None

TRAIN_KINDS = ("WALK", "HANDHELD", "PAN")
HELDOUT_KINDS = ("ORBIT",)
FOV_RANGE = (45.0, 90.0)
HELDOUT_FOV = (55.0, 65.0)
ASPECTS = (4 / 3, 16 / 9, 3 / 2, 1.0, 5 / 4)
MIN_DEPTH = 0.05


def sample_fov(rng, heldout):
    if heldout:
        return float(rng.uniform(*HELDOUT_FOV))
    while True:
        fov = float(rng.uniform(*FOV_RANGE))
        if not HELDOUT_FOV[0] <= fov <= HELDOUT_FOV[1]:
            return fov


def intrinsics(width, height, hfov_deg, source_aspect):
    """Pinhole K of a source camera with square pixels and aspect ``source_aspect``, stretched to width x height."""
    fx = width / (2 * math.tan(math.radians(hfov_deg) / 2))
    fy = fx * (height / width) * source_aspect
    return np.array([[fx, 0, (width - 1) / 2], [0, fy, (height - 1) / 2], [0, 0, 1]], dtype=np.float64)


# ---------------------------------------------------------------------------------------------------- scene


class Scene:
    """A room (axis-aligned box, floor at z = 0) with objects, surface textures and lights."""

    def __init__(self, rng):
        self.half = np.array([rng.uniform(1.6, 5.0), rng.uniform(1.4, 4.0)])
        self.height = rng.uniform(2.3, 3.6)
        self.objects = []  # dicts: kind, centre, size, yaw, material
        self.materials = []
        self.room_materials = [self._material(rng) for _ in range(6)]  # floor, ceiling, -x, +x, -y, +y
        self.light_dir = _normalize(np.array([rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(0.3, 1.5)]))
        self.light = rng.uniform(0.4, 0.9)
        self.ambient = rng.uniform(0.15, 0.5)
        self.point_light = np.array([rng.uniform(-0.8, 0.8) * self.half[0], rng.uniform(-0.8, 0.8) * self.half[1],
                                     self.height - 0.2])
        self.point_power = rng.uniform(0.0, 1.2)
        self.exposure = rng.uniform(0.6, 1.5)
        self.gamma = rng.uniform(0.8, 1.25)

    def _material(self, rng):
        colour = rng.uniform(0.1, 1.0, size=3)
        if rng.uniform() < 0.3:
            colour = np.full(3, rng.uniform(0.2, 0.95)) * rng.uniform(0.85, 1.0, size=3)  # greyish
        second = np.clip(colour * rng.uniform(0.3, 1.6, size=3) + rng.uniform(-0.2, 0.2, size=3), 0.02, 1)
        kind = rng.choice(["solid", "checker", "stripes", "noise", "noise_checker"], p=[0.2, 0.2, 0.15, 0.3, 0.15])
        return {"kind": str(kind), "a": colour, "b": second, "scale": float(rng.uniform(0.08, 0.8)),
                "axis": int(rng.integers(0, 3)), "seed": int(rng.integers(0, 2**31)),
                "octaves": int(rng.integers(1, 4))}

    def add_objects(self, rng, avoid_xy, count):
        tries = 0
        while len(self.objects) < count and tries < count * 30:
            tries += 1
            kind = str(rng.choice(["box", "box", "sphere", "cylinder", "partition"], p=[0.35, 0.15, 0.2, 0.2, 0.1]))
            yaw = rng.uniform(-math.pi, math.pi) if rng.uniform() < 0.6 else 0.0
            if kind == "box":
                size = np.array([rng.uniform(0.15, 0.9), rng.uniform(0.15, 0.9), rng.uniform(0.1, 0.8)])  # half extents
                lift = rng.uniform(0, self.height - 2 * size[2]) if rng.uniform() < 0.2 else 0.0  # shelves
                centre = np.array([0, 0, size[2] + lift])
            elif kind == "sphere":
                r = rng.uniform(0.1, 0.6)
                size = np.array([r, r, r])
                centre = np.array([0, 0, rng.uniform(r, max(r, 1.8))])
            elif kind == "cylinder":
                r = rng.uniform(0.08, 0.5)
                h = rng.uniform(0.3, self.height)
                size = np.array([r, r, h / 2])
                centre = np.array([0, 0, h / 2])
            else:  # partition: a thin floor-to-ceiling wall changes the room's shape
                kind = "box"
                size = np.array([rng.uniform(0.4, 1.6), rng.uniform(0.04, 0.12), self.height / 2])
                centre = np.array([0, 0, self.height / 2])
            reach = float(np.hypot(size[0], size[1]))
            lim = self.half - 0.1
            centre[0] = rng.uniform(-lim[0], lim[0])
            centre[1] = rng.uniform(-lim[1], lim[1])
            if avoid_xy is not None and len(avoid_xy):
                if np.min(np.hypot(avoid_xy[:, 0] - centre[0], avoid_xy[:, 1] - centre[1])) < reach + 0.35:
                    continue
            self.objects.append({"kind": kind, "centre": centre, "size": size, "yaw": yaw,
                                 "material": self._material(rng)})


# ---------------------------------------------------------------------------------------------------- cameras


def _look(forward, up_world=np.array([0.0, 0.0, 1.0]), roll=0.0):
    """Rotation (columns = camera x, y, z in world) of an optical camera looking along ``forward``."""
    z = _normalize(forward)
    x = np.cross(z, up_world)
    if np.linalg.norm(x) < 1e-6:
        x = np.array([1.0, 0, 0])
    x = _normalize(x)
    y = np.cross(z, x)
    r = np.stack([x, y, z], axis=1)
    if roll:
        c, s = math.cos(roll), math.sin(roll)
        r = r @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    return r


def camera_path(rng, scene, kind, frames, fps):
    """World-from-camera poses (R, t) of ``frames`` frames of one trajectory kind inside ``scene``."""
    lim = scene.half - 0.45
    times = np.arange(frames) / fps
    speed = rng.uniform(0.15, 1.4)  # m/s
    eye_h = rng.uniform(0.9, min(1.9, scene.height - 0.3))
    pitch0 = math.radians(rng.uniform(-25, 10))
    poses = []
    if kind in ("WALK", "HANDHELD"):
        start = np.array([rng.uniform(-lim[0], lim[0]), rng.uniform(-lim[1], lim[1])])
        heading = rng.uniform(-math.pi, math.pi)
        turn = rng.uniform(-0.6, 0.6)  # rad/s
        look = math.radians(rng.uniform(-30, 30))
        pos = start.copy()
        shake = rng.uniform(0, 2 * math.pi, size=6)
        amp = rng.uniform(0.5, 2.0) if kind == "HANDHELD" else 0.0
        for i, t in enumerate(times):
            if i:
                step = speed / fps
                nxt = pos + step * np.array([math.cos(heading), math.sin(heading)])
                if np.any(np.abs(nxt) > lim):  # bounce off the walls: turn back towards the centre
                    heading = math.atan2(-pos[1], -pos[0]) + rng.uniform(-0.5, 0.5)
                    nxt = pos + step * np.array([math.cos(heading), math.sin(heading)])
                pos = np.clip(nxt, -lim, lim)
                heading += turn / fps
            yaw = heading + look + math.radians(6) * math.sin(0.7 * t + shake[0])
            pitch = pitch0 + math.radians(3) * math.sin(0.5 * t + shake[1])
            eye = np.array([pos[0], pos[1], eye_h + 0.02 * math.sin(2 * math.pi * 1.6 * t + shake[2])])
            fwd = np.array([math.cos(pitch) * math.cos(yaw), math.cos(pitch) * math.sin(yaw), math.sin(pitch)])
            roll = 0.0
            if amp:
                eye = eye + amp * 0.012 * np.sin(2 * math.pi * np.array([1.3, 1.7, 2.3]) * t + shake[3:6])
                roll = amp * math.radians(1.0) * math.sin(2 * math.pi * 1.1 * t + shake[0])
                fwd = fwd + amp * 0.012 * np.array([math.sin(2 * math.pi * 1.9 * t + shake[4]),
                                                    math.sin(2 * math.pi * 2.7 * t + shake[5]), 0])
            poses.append((_look(fwd, roll=roll), eye))
    elif kind == "PAN":
        eye = np.array([rng.uniform(-lim[0], lim[0]), rng.uniform(-lim[1], lim[1]), eye_h])
        yaw0 = rng.uniform(-math.pi, math.pi)
        rate = rng.uniform(0.2, 1.2) * rng.choice([-1, 1])  # rad/s
        tilt = math.radians(rng.uniform(0, 12))
        drift = rng.uniform(-0.1, 0.1, size=3) * speed
        for t in times:
            yaw = yaw0 + rate * t
            pitch = pitch0 + tilt * math.sin(0.8 * t)
            fwd = np.array([math.cos(pitch) * math.cos(yaw), math.cos(pitch) * math.sin(yaw), math.sin(pitch)])
            poses.append((_look(fwd), eye + drift * t))
    elif kind == "ORBIT":
        rx, ry = 0.7 * lim
        a0 = rng.uniform(0, 2 * math.pi)
        w = speed / max(0.5, float(np.hypot(rx, ry) / math.sqrt(2))) * rng.choice([-1, 1])
        for t in times:
            a = a0 + w * t
            eye = np.array([rx * math.cos(a), ry * math.sin(a), eye_h])
            target = np.array([0.2 * math.sin(0.13 * t), 0.2 * math.cos(0.11 * t), 0.8])
            poses.append((_look(target - eye), eye))
    else:
        raise ValueError("unknown trajectory kind " + kind)
    return poses


# ---------------------------------------------------------------------------------------------------- ray casting


def _normalize(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def cast(scene, origin, dirs):
    """Nearest hit of each ray: (t, world normal facing the ray, surface index, hit point).

    Surface index: 0..5 room faces, 6 + i object i. ``dirs`` [N, 3] world directions (not necessarily unit;
    t is in units of the direction's length)."""
    n = dirs.shape[0]
    lo = np.array([-scene.half[0], -scene.half[1], 0.0])
    hi = np.array([scene.half[0], scene.half[1], scene.height])
    with np.errstate(divide="ignore", invalid="ignore"):
        tt = np.where(dirs > 0, (hi - origin) / dirs, np.where(dirs < 0, (lo - origin) / dirs, np.inf))
    axis = np.argmin(tt, axis=1)
    best = tt[np.arange(n), axis]
    sign = np.sign(dirs[np.arange(n), axis])
    surface = np.where(axis == 2, np.where(sign < 0, 0, 1), np.where(axis == 0, np.where(sign < 0, 2, 3),
                                                                       np.where(sign < 0, 4, 5)))
    normal = np.zeros((n, 3))
    normal[np.arange(n), axis] = -sign
    for index, obj in enumerate(scene.objects):
        t_hit, nrm = _intersect(obj, origin, dirs)
        closer = t_hit < best
        if np.any(closer):
            best = np.where(closer, t_hit, best)
            normal[closer] = nrm[closer]
            surface = np.where(closer, 6 + index, surface)
    point = origin + best[:, None] * dirs
    # normals face the viewer
    flip = np.sum(normal * dirs, axis=1) > 0
    normal[flip] *= -1
    return best, normal, surface, point


def _intersect(obj, origin, dirs):
    c, s = math.cos(obj["yaw"]), math.sin(obj["yaw"])
    rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])  # world from object
    o = rot.T @ (origin - obj["centre"])
    d = dirs @ rot  # = (rot.T @ d^T)^T
    n = dirs.shape[0]
    inf = np.full(n, np.inf)
    local_normal = np.zeros((n, 3))
    if obj["kind"] == "box":
        h = obj["size"]
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = (-h - o) / d
            t2 = (h - o) / d
        tmin = np.minimum(t1, t2)
        tmax = np.maximum(t1, t2)
        tmin = np.where(np.isnan(tmin), -np.inf, tmin)
        tmax = np.where(np.isnan(tmax), np.inf, tmax)
        near = np.max(tmin, axis=1)
        far = np.min(tmax, axis=1)
        hit = (near <= far) & (near > 1e-6)
        axis = np.argmax(tmin, axis=1)
        local_normal[np.arange(n), axis] = -np.sign(d[np.arange(n), axis])
        t_hit = np.where(hit, near, inf)
    elif obj["kind"] == "sphere":
        r = obj["size"][0]
        a = np.sum(d * d, axis=1)
        b = 2 * d @ o
        cc = o @ o - r * r
        disc = b * b - 4 * a * cc
        root = np.sqrt(np.maximum(disc, 0))
        t0 = (-b - root) / (2 * a)
        hit = (disc >= 0) & (t0 > 1e-6)
        t_hit = np.where(hit, t0, inf)
        local_normal = o + t0[:, None] * d
    else:  # vertical cylinder, radius size[0], half height size[2], with a top cap
        r, hz = obj["size"][0], obj["size"][2]
        a = d[:, 0] ** 2 + d[:, 1] ** 2
        b = 2 * (o[0] * d[:, 0] + o[1] * d[:, 1])
        cc = o[0] ** 2 + o[1] ** 2 - r * r
        disc = b * b - 4 * a * cc
        with np.errstate(divide="ignore", invalid="ignore"):
            t0 = (-b - np.sqrt(np.maximum(disc, 0))) / (2 * a)
        z0 = o[2] + t0 * d[:, 2]
        side = (disc >= 0) & (a > 1e-12) & (t0 > 1e-6) & (np.abs(z0) <= hz)
        with np.errstate(divide="ignore", invalid="ignore"):
            tc = (hz - o[2]) / d[:, 2]
        pc = o[None, :2] + tc[:, None] * d[:, :2]
        cap = (d[:, 2] < 0) & (tc > 1e-6) & (np.sum(pc * pc, axis=1) <= r * r) & (o[2] > hz)
        t_side = np.where(side, t0, np.inf)
        t_cap = np.where(cap, tc, np.inf)
        t_hit = np.minimum(t_side, t_cap)
        pts = o + np.where(np.isfinite(t_hit), t_hit, 0)[:, None] * d
        local_normal = np.where((t_cap < t_side)[:, None], np.array([0.0, 0, 1]),
                                np.stack([pts[:, 0], pts[:, 1], np.zeros(n)], axis=1))
    local_normal = local_normal / np.maximum(np.linalg.norm(local_normal, axis=1, keepdims=True), 1e-12)
    return t_hit, local_normal @ rot.T


# ---------------------------------------------------------------------------------------------------- shading


def _hash3(ix, iy, iz, seed):
    h = (ix * 73856093) ^ (iy * 19349663) ^ (iz * 83492791) ^ seed
    h = (h ^ (h >> 13)) * 1274126177
    h = h ^ (h >> 16)
    return (h & 0xFFFFFF).astype(np.float64) / 0xFFFFFF


def value_noise(p, seed, octaves):
    total = np.zeros(p.shape[0])
    amp, norm = 1.0, 0.0
    q = p.copy()
    for octave in range(octaves):
        i = np.floor(q).astype(np.int64)
        f = q - i
        f = f * f * (3 - 2 * f)
        acc = np.zeros(p.shape[0])
        for dx in (0, 1):
            for dy in (0, 1):
                for dz in (0, 1):
                    w = (f[:, 0] if dx else 1 - f[:, 0]) * (f[:, 1] if dy else 1 - f[:, 1]) * (f[:, 2] if dz else 1 - f[:, 2])
                    acc += w * _hash3(i[:, 0] + dx, i[:, 1] + dy, i[:, 2] + dz, seed + octave * 7919)
        total += amp * acc
        norm += amp
        amp *= 0.5
        q = q * 2.03
    return total / norm


def albedo(material, p):
    scale = material["scale"]
    q = p / scale
    kind = material["kind"]
    if kind == "solid":
        w = np.zeros(p.shape[0])
    elif kind == "checker":
        w = (np.sum(np.floor(q + 1e-4), axis=1) % 2).astype(np.float64)
    elif kind == "stripes":
        w = (np.floor(q[:, material["axis"]] + 1e-4) % 2).astype(np.float64)
    elif kind == "noise":
        w = value_noise(q, material["seed"], material["octaves"])
    else:
        w = 0.6 * value_noise(q * 2, material["seed"], material["octaves"]) + 0.4 * (np.sum(np.floor(q + 1e-4), axis=1) % 2)
    return material["a"][None, :] * (1 - w[:, None]) + material["b"][None, :] * w[:, None]


def shade(scene, point, normal, surface):
    colour = np.zeros((point.shape[0], 3))
    for index in np.unique(surface):
        sel = surface == index
        material = scene.room_materials[index] if index < 6 else scene.objects[index - 6]["material"]
        local = point[sel]
        if index >= 6:  # textures move with their object
            obj = scene.objects[index - 6]
            c, s = math.cos(obj["yaw"]), math.sin(obj["yaw"])
            local = (local - obj["centre"]) @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
        colour[sel] = albedo(material, local)
    lambert = np.clip(normal @ scene.light_dir, 0, None)
    to_light = scene.point_light - point
    dist2 = np.sum(to_light * to_light, axis=1)
    point_term = scene.point_power * np.clip(np.sum(normal * to_light, axis=1) / np.sqrt(dist2), 0, None) / (0.5 + 0.15 * dist2)
    light = scene.ambient + scene.light * lambert + point_term
    return colour * light[:, None]


# ---------------------------------------------------------------------------------------------------- frames


def pixel_rays(k, width, height, supersample=1):
    """Camera-frame ray directions (z = 1) of pixel centres; with supersampling, sub-pixel centres."""
    s = supersample
    u = (np.arange(width * s) + 0.5) / s - 0.5
    v = (np.arange(height * s) + 0.5) / s - 0.5
    uu, vv = np.meshgrid(u, v)
    x = (uu - k[0, 2]) / k[0, 0]
    y = (vv - k[1, 2]) / k[1, 1]
    return np.stack([x, y, np.ones_like(x)], axis=-1).reshape(-1, 3)


def render_rgb(scene, pose, k, width, height, supersample=2):
    rot, eye = pose
    rays = pixel_rays(k, width, height, supersample) @ rot.T
    _, normal, surface, point = cast(scene, eye, rays)
    rgb = shade(scene, point, normal, surface).reshape(height * supersample, width * supersample, 3)
    return rgb.reshape(height, supersample, width, supersample, 3).mean(axis=(1, 3))


def render_truth(scene, pose, k, width, height):
    """Camera-frame points (z-depth times the ray), camera-frame normals and validity at pixel centres."""
    rot, eye = pose
    cam_rays = pixel_rays(k, width, height, 1)
    t, normal, _, _ = cast(scene, eye, cam_rays @ rot.T)
    points = cam_rays * t[:, None]  # z = t since the rays have z = 1
    normals = normal @ rot  # world -> camera
    valid = np.isfinite(t) & (t > MIN_DEPTH)
    return points.reshape(height, width, 3), normals.reshape(height, width, 3), valid.reshape(height, width)


def finish(rgb, scene, rng, params):
    """Exposure, gamma, sensor noise, quantisation and JPEG: float linear RGB -> uint8."""
    img = np.clip(rgb * scene.exposure, 0, 1) ** (1 / (2.2 * scene.gamma / 2.2))
    img = img + rng.normal(0, params["noise"], size=img.shape) + rng.normal(0, params["noise"] / 3, size=(1, 1, 3))
    img = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
    if params["jpeg"] and Image is not None:
        buffer = io.BytesIO()
        Image.fromarray(img).save(buffer, format="JPEG", quality=params["jpeg"])
        img = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
    return img


def make_clip(seed, frames=9, width=64, height=48, heldout=False, supersample=2):
    """One clip: uint8 RGB [T,H,W,3], points/normals [T,H,W,3] float32 in the FIRST frame's camera, mask [T,H,W],
    the per-frame camera-frame K [3,3] (the same for every frame), each frame's pose in the first frame's camera
    [T,3,4] (first_from_cam rotation | camera centre; camera-frame targets of the ablation derive from it), and the
    sampled parameters."""
    rng = np.random.default_rng(seed)
    scene = Scene(rng)
    kind = str(rng.choice(HELDOUT_KINDS if heldout else TRAIN_KINDS))
    fps = float(rng.choice([5.0, 10.0, 15.0, 30.0]))
    hfov = sample_fov(rng, heldout)
    aspect = float(rng.choice(ASPECTS))
    k = intrinsics(width, height, hfov, aspect)
    # a path longer than the clip, so objects can avoid the whole walk; the clip starts at a random frame
    path = camera_path(rng, scene, kind, frames * 3, fps)
    start = int(rng.integers(0, frames * 2))
    poses = path[start:start + frames]
    avoid = np.array([p[1][:2] for p in path])
    scene.add_objects(rng, avoid, int(rng.integers(0, 14)))
    params = {"kind": kind, "fps": fps, "hfov": hfov, "aspect": aspect,
              "noise": float(rng.uniform(0, 0.03)),
              "jpeg": int(rng.integers(25, 95)) if rng.uniform() < 0.5 else 0,
              "blur": float(rng.uniform(0.3, 1.0)) if rng.uniform() < 0.3 else 0.0,
              "objects": len(scene.objects)}
    r0, t0 = poses[0]
    rgbs, points, normals, masks, first_poses = [], [], [], [], []
    for i, pose in enumerate(poses):
        if params["blur"] and i + 1 < len(poses):
            # motion blur: average renders along the way to the next frame's pose (shutter share = blur)
            subs = []
            for f in (0.0, 0.5, 1.0):
                a = f * params["blur"] * 0.5
                subs.append(render_rgb(scene, _lerp_pose(pose, poses[i + 1], a), k, width, height, supersample))
            rgb = np.mean(subs, axis=0)
        else:
            rgb = render_rgb(scene, pose, k, width, height, supersample)
        rgbs.append(finish(rgb, scene, rng, params))
        p_cam, n_cam, valid = render_truth(scene, pose, k, width, height)
        rot, eye = pose
        first_from_cam = r0.T @ rot
        p_first = p_cam @ first_from_cam.T + (r0.T @ (eye - t0))
        n_first = n_cam @ first_from_cam.T
        points.append(p_first.astype(np.float32))
        normals.append(n_first.astype(np.float32))
        masks.append(valid)
        first_poses.append(np.concatenate([first_from_cam, (r0.T @ (eye - t0))[:, None]], axis=1))
    return {"rgb": np.stack(rgbs), "points": np.stack(points), "normals": np.stack(normals),
            "mask": np.stack(masks), "K": k.astype(np.float32), "pose_first": np.stack(first_poses).astype(np.float32),
            "params": params}


def _lerp_pose(a, b, f):
    ra, ta = a
    rb, tb = b
    # small rotations between neighbouring frames: blend and re-orthonormalise
    r = (1 - f) * ra + f * rb
    u, _, vt = np.linalg.svd(r)
    return u @ vt, (1 - f) * ta + f * tb
