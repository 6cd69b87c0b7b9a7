"""The widgets in a real JupyterLab: run the fixture notebook, move sliders, press Next.

Each interaction is checked twice: the picture in the page changed, and the kernel holds the new
value (a changed image alone is not proof: we ask the kernel).  Screenshots go to
test-artifacts/screenshots/ for a person to look at.
"""

import pytest
from jupyterlab_harness import PANEL, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

LR, DEPTH, STEP = ".bplearn-lr-lab", ".bplearn-depth-lab", ".bplearn-step-through"


def _kernel_values(lab, expr):
    return lab.kernel_exec(f"print({expr})").split()


def test_notebook_runs_headless_chromium_and_every_widget_shows_a_picture(widgets_notebook):
    lab = widgets_notebook
    for widget in (LR, DEPTH, STEP):
        lab.locator(f"{widget} .bplearn-figure").first.wait_for(state="visible", timeout=30_000)
        assert lab.img_src(f"{widget} .bplearn-figure").startswith("blob:")
    assert (
        lab.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        ).count()
        == 0
    )
    assert (
        lab.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count() == 0
    )
    lab.screenshot(SCREENSHOTS / "widgets-notebook-after-run-all.png")


def test_depth_slider_arrow_key_redraws_and_the_kernel_holds_the_new_depth(
    widgets_notebook, latency_log
):
    lab = widgets_notebook
    before_src = lab.img_src(f"{DEPTH} .bplearn-figure")
    depth0, count0 = map(int, _kernel_values(lab, "depth.depth_slider.value, depth.update_count"))
    ms = lab.press_and_time_image(
        f"{DEPTH} .bplearn-depth-slider .noUi-handle", f"{DEPTH} .bplearn-figure"
    )
    lab.wait_kernel_idle()
    assert lab.img_src(f"{DEPTH} .bplearn-figure") != before_src
    assert lab.locator(
        f"{DEPTH} .bplearn-depth-slider .widget-readout"
    ).inner_text().strip() == str(depth0 + 1)
    value, count, n_points, kernel_ms = _kernel_values(
        lab,
        "depth.depth_slider.value, depth.update_count, len(depth.norm_line.get_xdata()), "
        "round(depth.last_update_ms, 1)",
    )
    assert int(value) == depth0 + 1 and int(count) == count0 + 1
    assert int(n_points) == depth0 + 2  # one norm per Linear layer: hidden layers + output
    latency_log["depth_lab"] = {
        "slider_to_new_image_ms": round(ms, 1),
        "kernel_update_ms": float(kernel_ms),
    }
    lab.screenshot(SCREENSHOTS / "depth-lab-after-arrow-right.png", css=DEPTH)


def test_learning_rate_slider_arrow_key_redraws_and_the_kernel_holds_the_new_rate(
    widgets_notebook, latency_log
):
    lab = widgets_notebook
    before_src = lab.img_src(f"{LR} .bplearn-figure")
    lr0, step = map(float, _kernel_values(lab, "lr_lab.lr_slider.value, lr_lab.lr_slider.step"))
    ms = lab.press_and_time_image(f"{LR} .bplearn-lr-slider .noUi-handle", f"{LR} .bplearn-figure")
    lab.wait_kernel_idle()
    assert lab.img_src(f"{LR} .bplearn-figure") != before_src
    value, path_lr, n_points, kernel_ms = _kernel_values(
        lab,
        "lr_lab.lr_slider.value, lr_lab.path.lr, len(lr_lab.path_line.get_xdata()), "
        "round(lr_lab.last_update_ms, 1)",
    )
    expected = lr0 * 10**step  # one key press moves the exponent by one step
    assert float(value) == pytest.approx(expected, rel=1e-6)
    assert float(path_lr) == pytest.approx(expected, rel=1e-6)  # the picture was computed for it
    assert int(n_points) >= 2
    latency_log["learning_rate_lab"] = {
        "slider_to_new_image_ms": round(ms, 1),
        "kernel_update_ms": float(kernel_ms),
    }
    lab.screenshot(SCREENSHOTS / "learning-rate-lab-after-arrow-right.png", css=LR)


def test_next_button_advances_the_step_through_and_the_kernel_is_on_the_next_stage(
    widgets_notebook, latency_log
):
    lab = widgets_notebook
    before_src = lab.img_src(f"{STEP} .bplearn-figure")
    (stage0,) = map(int, _kernel_values(lab, "st.stage_index"))
    t0 = lab.page.evaluate("() => performance.now()")
    lab.locator(f"{STEP} .bplearn-next").first.click()
    lab.page.wait_for_function(
        "([sel, src]) => { const i = document.querySelector(sel); return i && i.src !== src && i.complete; }",
        arg=[f"{PANEL} {STEP} .bplearn-figure", before_src],
        timeout=20_000,
        polling="raf",
    )
    ms = lab.page.evaluate("() => performance.now()") - t0
    lab.wait_kernel_idle()
    stage, kind, name = (
        lab.kernel_exec("print(st.stage_index, st.event.stage, st.event.name, sep='|')")
        .strip()
        .split("|")
    )
    assert int(stage) == stage0 + 1 and (kind, name) == ("forward", "Tanh")
    assert f"stage {stage0 + 2} of" in lab.locator(STEP).first.inner_text()
    assert "A = f(Z)" in lab.locator(STEP).first.inner_text()
    (kernel_ms,) = _kernel_values(lab, "round(st.last_update_ms, 1)")
    latency_log["step_through"] = {
        "next_click_to_new_image_ms": round(ms, 1),
        "kernel_update_ms": float(kernel_ms),
    }
    lab.screenshot(SCREENSHOTS / "step-through-after-next.png", css=STEP)


def test_a_residual_block_in_the_step_through_shows_y_equals_x_plus_f_in_the_page(widgets_notebook):
    lab = widgets_notebook
    RES = ".bplearn-residual-step"
    lab.locator(f"{RES} .bplearn-figure").first.wait_for(state="visible", timeout=30_000)
    before_src = lab.img_src(f"{RES} .bplearn-figure")
    lab.locator(f"{RES} .bplearn-next").first.click()
    lab.page.wait_for_function(
        "([sel, src]) => { const i = document.querySelector(sel); return i && i.src !== src && i.complete; }",
        arg=[f"{PANEL} {RES} .bplearn-figure", before_src],
        timeout=20_000,
        polling="raf",
    )
    lab.wait_kernel_idle()
    stage, kind, name = (
        lab.kernel_exec("print(res.stage_index, res.event.stage, res.event.name, sep='|')")
        .strip()
        .split("|")
    )
    assert (int(stage), kind) == (2, "forward") and name.startswith("Residual(LayerNorm(4)")
    text = lab.locator(RES).first.inner_text()
    assert "Y = X + F(X),  F = LayerNorm(4) → Linear(4→4) → ReLU" in text
    assert "F[1]: Z = X @ W + b" in text and "f = residual" not in text
    lab.screenshot(SCREENSHOTS / "step-through-residual-block.png", css=RES)
