//! Parameter sets (VPS, SPS with VUI, PPS), profile/tier/level, slice headers and the MD5
//! decoded-picture-hash SEI (7.3.2, 7.3.3, 7.3.6, D.2.20, Annex A).

use super::bitwriter::{nal, write_nal, BitWriter};

/// Sign data hiding: one sign per 4x4 coefficient group carried by the parity of its levels
/// (PPS flag; the quantiser adjusts levels to match, see `transform::hide_signs`).
pub(crate) const SIGN_HIDING: bool = true;

// Block sizes (log2): CTU 32 because at the sizes this library serves (camera streams on
// small CPUs) 64x64 intra CUs almost never win in RD, and 32 halves the search per CTU;
// minimum CU 8, transform sizes 4..32.
/// CTU size (log2).
pub(crate) const CTB_LOG2: u32 = 5;
/// Smallest CU (log2).
pub(crate) const MIN_CB_LOG2: u32 = 3;
const MIN_TB_LOG2: u32 = 2;
const MAX_TB_LOG2: u32 = 5;

/// Merge candidates in P slices (the whole list `inter::merge_candidates` builds).
const MAX_NUM_MERGE_CAND: u32 = 5;

/// What the parameter sets describe.
#[derive(Clone, Debug)]
pub(crate) struct StreamParams {
    /// Picture size as the caller gave it.
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// Coded size (multiples of the minimum CU).
    pub(crate) coded_width: u32,
    pub(crate) coded_height: u32,
    pub(crate) fps_num: u32,
    pub(crate) fps_den: u32,
    /// Bitrate used to pick the level (kbps), 0 when unknown (fixed QP).
    pub(crate) bitrate_kbps: u32,
    /// Pictures the decoder must hold (1 for all-intra, 2 with one reference).
    pub(crate) max_dec_pic_buffering: u32,
    pub(crate) log2_max_poc_lsb: u32,
    /// The short-term reference picture set in the SPS: one picture, the previous one.
    pub(crate) inter: bool,
    /// Wavefront parallel processing (entropy_coding_sync_enabled_flag): one substream per
    /// CTU row, entry points in the slice header. Set when a channel encodes on several threads.
    pub(crate) wpp: bool,
}

impl StreamParams {
    pub(crate) fn new(
        width: u32,
        height: u32,
        fps_num: u32,
        fps_den: u32,
        bitrate_kbps: u32,
        inter: bool,
    ) -> Self {
        let a = 1 << MIN_CB_LOG2;
        StreamParams {
            width,
            height,
            coded_width: width.div_ceil(a) * a,
            coded_height: height.div_ceil(a) * a,
            fps_num,
            fps_den,
            bitrate_kbps,
            max_dec_pic_buffering: if inter { 2 } else { 1 },
            log2_max_poc_lsb: 8,
            inter,
            wpp: false,
        }
    }

    /// general_level_idc (30 x level) from Table A.8 (Main tier): the lowest level whose
    /// picture size, dimensions, sample rate and bitrate all fit.
    pub(crate) fn level_idc(&self) -> u8 {
        // (level_idc, MaxLumaPs, MaxLumaSr, MaxBR kbps main tier)
        const LEVELS: [(u8, u64, u64, u64); 13] = [
            (30, 36_864, 552_960, 128),
            (60, 122_880, 3_686_400, 1_500),
            (63, 245_760, 7_372_800, 3_000),
            (90, 552_960, 16_588_800, 6_000),
            (93, 983_040, 33_177_600, 10_000),
            (120, 2_228_224, 66_846_720, 12_000),
            (123, 2_228_224, 133_693_440, 20_000),
            (150, 8_912_896, 267_386_880, 25_000),
            (153, 8_912_896, 534_773_760, 40_000),
            (156, 8_912_896, 1_069_547_520, 60_000),
            (180, 35_651_584, 1_069_547_520, 60_000),
            (183, 35_651_584, 2_139_095_040, 120_000),
            (186, 35_651_584, 4_278_190_080, 240_000),
        ];
        let ps = self.coded_width as u64 * self.coded_height as u64;
        let maxdim = self.coded_width.max(self.coded_height) as u64;
        let sr = (ps as f64 * self.fps_num as f64 / self.fps_den.max(1) as f64).ceil() as u64;
        for &(idc, max_ps, max_sr, max_br) in &LEVELS {
            // A.4.1: width and height <= sqrt(8 * MaxLumaPs).
            if ps <= max_ps
                && maxdim * maxdim <= 8 * max_ps
                && sr <= max_sr
                && self.bitrate_kbps as u64 <= max_br
            {
                return idc;
            }
        }
        186
    }

    fn profile_tier_level(&self, w: &mut BitWriter) {
        w.u(0, 2); // general_profile_space
        w.u(0, 1); // general_tier_flag: Main
        w.u(1, 5); // general_profile_idc: Main
                   // general_profile_compatibility_flag[j]: Main (1) and Main 10 (2).
        w.u(0x6000_0000, 32);
        w.flag(true); // progressive_source
        w.flag(false); // interlaced_source
        w.flag(false); // non_packed_constraint
        w.flag(true); // frame_only_constraint
        w.u(0, 32); // general_reserved_zero_43bits
        w.u(0, 11);
        w.u(0, 1); // general_inbld_flag
        w.u(self.level_idc() as u32, 8);
    }

    fn timing(&self, w: &mut BitWriter) {
        w.u(self.fps_den, 32); // num_units_in_tick
        w.u(self.fps_num, 32); // time_scale
        w.flag(false); // poc_proportional_to_timing_flag
    }

    pub(crate) fn vps(&self) -> Vec<u8> {
        let mut w = BitWriter::new();
        w.u(0, 4); // vps_video_parameter_set_id
        w.flag(true); // vps_base_layer_internal_flag
        w.flag(true); // vps_base_layer_available_flag
        w.u(0, 6); // vps_max_layers_minus1
        w.u(0, 3); // vps_max_sub_layers_minus1
        w.flag(true); // vps_temporal_id_nesting_flag
        w.u(0xffff, 16);
        self.profile_tier_level(&mut w);
        w.flag(true); // vps_sub_layer_ordering_info_present_flag
        w.ue(self.max_dec_pic_buffering - 1);
        w.ue(0); // max_num_reorder_pics
        w.ue(0); // max_latency_increase_plus1
        w.u(0, 6); // vps_max_layer_id
        w.ue(0); // vps_num_layer_sets_minus1
        w.flag(true); // vps_timing_info_present_flag
        self.timing(&mut w);
        w.ue(0); // vps_num_hrd_parameters
        w.flag(false); // vps_extension_flag
        w.trailing_bits();
        w.buf
    }

    pub(crate) fn sps(&self) -> Vec<u8> {
        let mut w = BitWriter::new();
        w.u(0, 4); // sps_video_parameter_set_id
        w.u(0, 3); // sps_max_sub_layers_minus1
        w.flag(true); // sps_temporal_id_nesting_flag
        self.profile_tier_level(&mut w);
        w.ue(0); // sps_seq_parameter_set_id
        w.ue(1); // chroma_format_idc 4:2:0
        w.ue(self.coded_width);
        w.ue(self.coded_height);
        let (rx, by) = (
            self.coded_width - self.width,
            self.coded_height - self.height,
        );
        w.flag(rx > 0 || by > 0); // conformance_window_flag
        if rx > 0 || by > 0 {
            // Offsets in chroma samples (SubWidthC = SubHeightC = 2).
            w.ue(0);
            w.ue(rx / 2);
            w.ue(0);
            w.ue(by / 2);
        }
        w.ue(0); // bit_depth_luma_minus8
        w.ue(0); // bit_depth_chroma_minus8
        w.ue(self.log2_max_poc_lsb - 4);
        w.flag(true); // sps_sub_layer_ordering_info_present_flag
        w.ue(self.max_dec_pic_buffering - 1);
        w.ue(0); // sps_max_num_reorder_pics
        w.ue(0); // sps_max_latency_increase_plus1
        w.ue(MIN_CB_LOG2 - 3);
        w.ue(CTB_LOG2 - MIN_CB_LOG2);
        w.ue(MIN_TB_LOG2 - 2);
        w.ue(MAX_TB_LOG2 - MIN_TB_LOG2);
        w.ue(0); // max_transform_hierarchy_depth_inter
        w.ue(0); // max_transform_hierarchy_depth_intra
        w.flag(false); // scaling_list_enabled_flag
        w.flag(false); // amp_enabled_flag
        w.flag(false); // sample_adaptive_offset_enabled_flag
        w.flag(false); // pcm_enabled_flag
        if self.inter {
            // One short-term RPS: the previous picture (delta POC -1), used by the current one.
            w.ue(1); // num_short_term_ref_pic_sets
            w.ue(1); // num_negative_pics
            w.ue(0); // num_positive_pics
            w.ue(0); // delta_poc_s0_minus1
            w.flag(true); // used_by_curr_pic_s0_flag
        } else {
            w.ue(0);
        }
        w.flag(false); // long_term_ref_pics_present_flag
        w.flag(self.inter); // sps_temporal_mvp_enabled_flag
        w.flag(true); // strong_intra_smoothing_enabled_flag
        w.flag(true); // vui_parameters_present_flag
        {
            w.flag(false); // aspect_ratio_info_present_flag
            w.flag(false); // overscan_info_present_flag
            w.flag(false); // video_signal_type_present_flag
            w.flag(false); // chroma_loc_info_present_flag
            w.flag(false); // neutral_chroma_indication_flag
            w.flag(false); // field_seq_flag
            w.flag(false); // frame_field_info_present_flag
            w.flag(false); // default_display_window_flag
            w.flag(true); // vui_timing_info_present_flag
            self.timing(&mut w);
            w.flag(false); // vui_hrd_parameters_present_flag
            w.flag(false); // bitstream_restriction_flag
        }
        w.flag(false); // sps_extension_present_flag
        w.trailing_bits();
        w.buf
    }

    pub(crate) fn pps(&self) -> Vec<u8> {
        let mut w = BitWriter::new();
        w.ue(0); // pps_pic_parameter_set_id
        w.ue(0); // pps_seq_parameter_set_id
        w.flag(false); // dependent_slice_segments_enabled_flag
        w.flag(false); // output_flag_present_flag
        w.u(0, 3); // num_extra_slice_header_bits
        w.flag(SIGN_HIDING); // sign_data_hiding_enabled_flag
        w.flag(false); // cabac_init_present_flag
        w.ue(0); // num_ref_idx_l0_default_active_minus1
        w.ue(0); // num_ref_idx_l1_default_active_minus1
        w.se(0); // init_qp_minus26
        w.flag(false); // constrained_intra_pred_flag
        w.flag(false); // transform_skip_enabled_flag
        w.flag(false); // cu_qp_delta_enabled_flag
        w.se(0); // pps_cb_qp_offset
        w.se(0); // pps_cr_qp_offset
        w.flag(false); // pps_slice_chroma_qp_offsets_present_flag
        w.flag(false); // weighted_pred_flag
        w.flag(false); // weighted_bipred_flag
        w.flag(false); // transquant_bypass_enabled_flag
        w.flag(false); // tiles_enabled_flag
        w.flag(self.wpp); // entropy_coding_sync_enabled_flag
        w.flag(false); // pps_loop_filter_across_slices_enabled_flag
        w.flag(false); // deblocking_filter_control_present_flag
        w.flag(false); // pps_scaling_list_data_present_flag
        w.flag(false); // lists_modification_present_flag
        w.ue(0); // log2_parallel_merge_level_minus2
        w.flag(false); // slice_segment_header_extension_present_flag
        w.flag(false); // pps_extension_present_flag
        w.trailing_bits();
        w.buf
    }

    /// VPS, SPS and PPS as Annex-B NAL units.
    pub(crate) fn headers(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        write_nal(&mut out, nal::VPS, &self.vps());
        write_nal(&mut out, nal::SPS, &self.sps());
        write_nal(&mut out, nal::PPS, &self.pps());
        out
    }

    /// slice_segment_header (7.3.6.1) for a whole-picture slice, up to and including its
    /// byte_alignment(). `poc` is ignored for IDR pictures.
    /// `entry_sizes`: with WPP, the escaped byte size of every substream but the last.
    pub(crate) fn slice_header(
        &self,
        w: &mut BitWriter,
        idr: bool,
        poc: u32,
        qp: i32,
        entry_sizes: &[usize],
    ) {
        w.flag(true); // first_slice_segment_in_pic_flag
        if idr {
            w.flag(false); // no_output_of_prior_pics_flag
        }
        w.ue(0); // slice_pic_parameter_set_id
        w.ue(if idr { 2 } else { 1 }); // slice_type: I or P
        if !idr {
            w.u(
                poc & ((1 << self.log2_max_poc_lsb) - 1),
                self.log2_max_poc_lsb,
            );
            w.flag(true); // short_term_ref_pic_set_sps_flag (the only set: no index coded)
            w.flag(true); // slice_temporal_mvp_enabled_flag (sps flag set in inter streams)
            w.flag(false); // num_ref_idx_active_override_flag

            // cabac_init_present_flag 0; collocated picture: the one reference
            // (collocated_from_l0 inferred, collocated_ref_idx not coded).
            w.ue(5 - MAX_NUM_MERGE_CAND); // five_minus_max_num_merge_cand
        }
        w.se(qp - 26); // slice_qp_delta

        // Deblocking: controlled by the PPS defaults (on); no override, no cross-slice flag.
        if self.wpp {
            w.ue(entry_sizes.len() as u32); // num_entry_point_offsets
            if let Some(&max) = entry_sizes.iter().max() {
                let bits = (usize::BITS - (max - 1).leading_zeros()).max(1);
                w.ue(bits - 1); // offset_len_minus1
                for &s in entry_sizes {
                    w.u((s - 1) as u32, bits); // entry_point_offset_minus1
                }
            }
        }
        w.bit(1); // byte_alignment(): alignment_bit_equal_to_one
        w.align_zero();
    }
}

/// The decoded picture hash SEI (payloadType 132, MD5) for a picture of the coded size.
pub(crate) fn md5_sei(planes: [&[u8]; 3]) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.u(132, 8); // payloadType
    w.u(1 + 3 * 16, 8); // payloadSize
    w.u(0, 8); // hash_type: MD5
    for p in planes {
        let mut m = super::md5::Md5::new();
        m.update(p);
        for b in m.finish() {
            w.u(b as u32, 8);
        }
    }
    w.trailing_bits();
    let mut out = Vec::new();
    write_nal(&mut out, nal::SUFFIX_SEI, &w.buf);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_from_size_and_rate() {
        let l = |w, h, br| StreamParams::new(w, h, 30, 1, br, false).level_idc();
        assert_eq!(l(1920, 1080, 8000), 120, "1080p30 at 8 Mb/s is level 4");
        assert_eq!(l(1920, 1080, 15000), 123);
        assert_eq!(l(4096, 4096, 8000), 180, "4096x4096 needs level 6");
        assert_eq!(l(4096, 2160, 8000), 150);
        assert_eq!(
            l(176, 144, 100),
            60,
            "QCIF at 30 fps exceeds level 1 sample rate"
        );
        assert_eq!(
            StreamParams::new(176, 144, 15, 1, 100, false).level_idc(),
            30
        );
        assert_eq!(l(1280, 720, 8000), 93);
    }

    #[test]
    fn coded_size_and_window() {
        let p = StreamParams::new(18, 30, 30, 1, 100, false);
        assert_eq!((p.coded_width, p.coded_height), (24, 32));
        assert!(!p.sps().is_empty());
    }
}
